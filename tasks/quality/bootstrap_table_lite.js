/*
 * newslake: the part of bootstrap-table (https://bootstrap-table.com) that Great Expectations'
 * Data Docs need, written for offline sites (no PyPI package ships bootstrap-table itself).
 * $(table).bootstrapTable({columns, data, rowAttributes, rowStyle}) renders the header and rows of
 * a table whose data GX hands over in JavaScript (the index page). Tables GX renders in HTML
 * already hold their rows and are left as they are. Sorting, search and filter controls are not
 * provided; method calls such as bootstrapTable('resetSearch') do nothing.
 */
(function ($) {
  "use strict";

  function named(option) {
    // GX passes row callbacks by the name of a global function
    return typeof option === "string" ? window[option] : option;
  }

  function cellHtml(column, row, index) {
    var value = row[column.field];
    var formatter = named(column.formatter);
    if (typeof formatter === "function") {
      value = formatter(value, row, index, column.field);
    }
    return value === undefined || value === null ? "" : String(value);
  }

  function render($table, options) {
    var columns = (options.columns || []).filter(function (c) { return c.visible !== false; });
    var rowAttributes = named(options.rowAttributes);
    var rowStyle = named(options.rowStyle);
    var $head = $("<tr>");
    columns.forEach(function (column) {
      $head.append($("<th>").html(column.title === undefined ? column.field : column.title));
    });
    var $body = $("<tbody>");
    (options.data || []).forEach(function (row, index) {
      var $row = $("<tr>").data("index", index);
      if (typeof rowAttributes === "function") {
        $.each(rowAttributes(row, index) || {}, function (key, value) { $row.attr(key, value); });
      }
      if (typeof rowStyle === "function") {
        var style = rowStyle(row, index) || {};
        if (style.css) { $row.css(style.css); }
        if (style.classes) { $row.addClass(style.classes); }
      }
      columns.forEach(function (column) {
        $row.append($("<td>").html(cellHtml(column, row, index)));
      });
      $row.on("click", function () { $table.trigger("click-row.bs.table", [row, $row]); });
      $body.append($row);
    });
    $table.empty().append($("<thead>").append($head), $body).addClass("table table-hover bootstrap-table-lite");
  }

  $.fn.bootstrapTable = function (options) {
    if (typeof options !== "object" || options === null) {
      return this;
    }
    return this.each(function () { render($(this), options); });
  };
})(jQuery);

// Compta > Chèques (CO-1): the total of the checked cheques, and "select all" (progressive
// enhancement: without JavaScript the cheques are checked one by one and the deposit's total
// is shown once it is saved).
(function () {
  "use strict";
  function euros(cents) {
    var sign = cents < 0 ? "-" : "";
    cents = Math.abs(cents);
    var units = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    var rest = String(cents % 100).padStart(2, "0");
    return sign + units + "," + rest + " \u20ac";
  }
  function setUp() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=cheque][data-amount]"));
    var total = document.querySelector("[data-selection-total]");
    var count = document.querySelector("[data-selection-count]");
    var all = document.querySelector("[data-select-all]");
    if (!total || !boxes.length) { return; }
    function sync() {
      var cents = 0, n = 0;
      boxes.forEach(function (box) {
        if (box.checked) { cents += Math.round(parseFloat(box.dataset.amount) * 100); n += 1; }
      });
      total.textContent = euros(cents);
      count.textContent = String(n);
      if (all) { all.checked = n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
    }
    boxes.forEach(function (box) { box.addEventListener("change", sync); });
    if (all) {
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        sync();
      });
    }
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

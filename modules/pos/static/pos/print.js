// The ticket's print page: "Imprimer" opens the browser's print dialog (80 mm receipt,
// pos/print.css); reached from "Imprimer" on the ticket (#imprimer), it opens at once.
(function () {
  "use strict";
  function ready() {
    var button = document.querySelector("[data-print]");
    if (button) {
      button.addEventListener("click", function () { window.print(); });
    }
    if (window.location.hash === "#imprimer") {
      window.setTimeout(function () { window.print(); }, 200);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

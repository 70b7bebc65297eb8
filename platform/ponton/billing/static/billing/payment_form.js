// "Ajouter un paiement": the cheque's bank, number and issuer only when "Chèque" is chosen,
// the credit note to use only when "Avoir" is chosen (progressive enhancement: without
// JavaScript every field is shown and the server ignores those that do not apply).
(function () {
  "use strict";
  function setUp() {
    var method = document.getElementById("id_method");
    if (!method) { return; }
    var byMethod = {
      cheque: ["cheque_bank", "cheque_number", "cheque_issuer"],
      credit: ["credit_note"]
    };
    function sync() {
      Object.keys(byMethod).forEach(function (value) {
        byMethod[value].forEach(function (name) {
          var input = document.getElementById("id_" + name);
          if (input) { input.closest(".field").hidden = method.value !== value; }
        });
      });
    }
    method.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

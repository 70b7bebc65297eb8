// "Ajouter une autre séance" (PL-1) without a round trip: clone the empty row of the formset.
// Without JavaScript the button submits the form and the server adds the row.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("session-rows");
  if (!form) return;
  const button = form.querySelector("[data-add-row]");
  const total = form.querySelector('input[name$="-TOTAL_FORMS"]');
  const rows = form.querySelector("[data-rows]");
  const template = document.getElementById("session-row-template");
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const index = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
    const row = rows.lastElementChild;
    row.querySelector("[data-number]").textContent = String(index + 1);
    total.value = String(index + 1);
    row.querySelector("input").focus();
  });
});

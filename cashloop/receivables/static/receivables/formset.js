// Formset rows: "Add" clones the row template, numbering it like Django's formsets do.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const prefix = button.dataset.addRow;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.getElementById(`${prefix}-template`);
  const html = template.innerHTML.replace(/__prefix__/g, total.value);
  document.getElementById(`${prefix}-rows`).insertAdjacentHTML("beforeend", html);
  total.value = Number(total.value) + 1;
  button.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
});

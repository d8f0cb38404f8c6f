// Keyboard of the recognition workbench: C confirms the first candidate, J / K move
// to the next / previous line.  Keys typed into a field are the field's.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const board = document.getElementById("workbench");
  if (!board) return;
  const key = event.key.toLowerCase();
  if (key === "c") {
    const button = document.querySelector('[data-shortcut="confirm"]');
    if (button) { event.preventDefault(); button.click(); }
  } else if (key === "j" && board.dataset.next) {
    window.location.search = board.dataset.next.replace(/^\?/, "");
  } else if (key === "k" && board.dataset.prev) {
    window.location.search = board.dataset.prev.replace(/^\?/, "");
  }
});

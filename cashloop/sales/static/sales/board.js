/* The pipeline board: drag a card onto another column to move the opportunity there.
   The move is POSTed through htmx and the answer (the whole board, totals included)
   replaces #board.  Dropping on a lost column asks for the reason first. */
(function () {
  "use strict";
  var dragged = null;

  function move(card, column, reason) {
    var board = document.getElementById("board");
    var url = column.dataset.moveUrl.replace("/0/", "/" + card.dataset.id + "/");
    var values = { stage_id: column.dataset.stage, lost_reason: reason || "" };
    new URLSearchParams(board.dataset.query).forEach(function (value, key) { values[key] = value; });
    htmx.ajax("POST", url, { target: "#board", swap: "outerHTML", values: values });
  }

  function askReason(card, column) {
    var dialog = document.getElementById("lost-dialog");
    var reason = dialog.querySelector("[name=lost_reason]");
    reason.value = "";
    dialog.querySelector("[data-action=ok]").onclick = function () {
      if (!reason.value.trim()) { reason.reportValidity(); return; }
      dialog.close();
      move(card, column, reason.value.trim());
    };
    dialog.querySelector("[data-action=cancel]").onclick = function () { dialog.close(); };
    dialog.showModal();
    reason.focus();
  }

  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".deal-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.id);
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".board-col.over").forEach(function (c) { c.classList.remove("over"); });
    dragged = null;
  });
  document.addEventListener("dragover", function (e) {
    var column = e.target.closest && e.target.closest(".board-col[data-move-url]");
    if (!column || !dragged) return;
    e.preventDefault();  // allows the drop
    column.classList.add("over");
  });
  document.addEventListener("dragleave", function (e) {
    var column = e.target.closest && e.target.closest(".board-col");
    if (column && !column.contains(e.relatedTarget)) column.classList.remove("over");
  });
  document.addEventListener("drop", function (e) {
    var column = e.target.closest && e.target.closest(".board-col[data-move-url]");
    if (!column || !dragged) return;
    e.preventDefault();
    column.classList.remove("over");
    var card = dragged;
    if (card.closest(".board-col") === column) return;
    if (column.dataset.kind === "lost") askReason(card, column);
    else move(card, column, "");
  });
})();

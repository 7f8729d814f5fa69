// The pages' only script: copy buttons, and moving members on the squad board (drag and drop,
// or the "Move to" control), re-evaluated by the server after each move.
"use strict";

function csrf() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function currentComposition(board) {
  const meta = JSON.parse(board.querySelector("#squad-meta").textContent || "{}");
  meta.parties = [...board.querySelectorAll(".party")]
    .map((party) => ({
      members: [...party.querySelectorAll(".card")].map((card) => ({
        player: card.dataset.player,
        archetype: card.dataset.archetype,
        commander: card.dataset.commander === "true",
      })),
    }))
    .filter((party) => party.members.length > 0);
  return meta;
}

function remember(board) {
  const field = document.getElementById("save-composition");
  if (field) field.value = JSON.stringify(currentComposition(board));
}

// Move `card` into party `target` (a number, or "new"); a full party swaps its last member back.
function move(card, target) {
  const board = document.getElementById("board");
  const from = card.closest(".members");
  let list;
  if (target === "new") {
    list = null;
  } else {
    list = board.querySelector(`.party[data-party="${target}"] .members`);
    if (!list || list === from) return;
  }
  const composition = currentComposition(board);
  const origin = Number(card.closest(".party").dataset.party) - 1;
  const index = [...from.children].indexOf(card);
  const member = composition.parties[origin].members.splice(index, 1)[0];
  if (list === null) {
    composition.parties.push({ members: [member] });
  } else {
    const dest = composition.parties[Number(target) - 1].members;
    if (dest.length >= 5) composition.parties[origin].members.splice(index, 0, dest.pop());
    dest.push(member);
  }
  composition.parties = composition.parties.filter((party) => party.members.length > 0);
  reevaluate(board, composition, member.player);
}

async function reevaluate(board, composition, focusPlayer) {
  const status = board.querySelector(".score");
  const response = await fetch("/squads/evaluation", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(composition),
  });
  if (!response.ok) {
    status.textContent = "The move could not be evaluated: " + (await response.text());
    return;
  }
  board.outerHTML = await response.text();
  const fresh = document.getElementById("board");
  remember(fresh);
  const moved = [...fresh.querySelectorAll(".card")].find((c) => c.dataset.player === focusPlayer);
  if (moved) moved.querySelector(".move-target")?.focus();
}

document.addEventListener("click", async (event) => {
  const copy = event.target.closest(".copy");
  if (copy) {
    await navigator.clipboard.writeText(copy.dataset.code);
    const label = copy.textContent;
    copy.textContent = "Copied";
    setTimeout(() => { copy.textContent = label; }, 1500);
    return;
  }
  const button = event.target.closest(".move-button");
  if (button) {
    const card = button.closest(".card");
    move(card, card.querySelector(".move-target").value);
  }
});

let dragged = null;
document.addEventListener("dragstart", (event) => {
  dragged = event.target.closest(".card");
  if (dragged) event.dataTransfer.setData("text/plain", dragged.dataset.player);
});
document.addEventListener("dragover", (event) => {
  const party = event.target.closest(".party");
  if (dragged && party) {
    event.preventDefault();
    party.classList.add("over");
  }
});
document.addEventListener("dragleave", (event) => {
  event.target.closest?.(".party")?.classList.remove("over");
});
document.addEventListener("drop", (event) => {
  const party = event.target.closest(".party");
  if (dragged && party) {
    event.preventDefault();
    party.classList.remove("over");
    move(dragged, party.dataset.party);
  }
  dragged = null;
});

document.addEventListener("DOMContentLoaded", () => {
  const board = document.getElementById("board");
  if (board && board.dataset.movable === "true") remember(board);
});

// The work board (docs/work.md): drag a card to another column to change its status.
// Every card the viewer may move also has a « Déplacer vers » form that works without this
// script; this script only adds drag and drop on top of it. The move is posted to the
// card's form address with its version: a refusal (someone moved it first, or the viewer
// may not move it) puts the card back where it was and says why.
(function () {
  "use strict";

  var dragged = null;
  var origin = null;
  var originNext = null;

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function columnOf(list) {
    return list ? list.closest(".board-column") : null;
  }

  function addToCount(list, delta) {
    var column = columnOf(list);
    var count = column ? column.querySelector("[data-wip]") : null;
    if (!count) {
      return;
    }
    count.textContent = String(parseInt(count.textContent, 10) + delta);
  }

  function say(text, refused) {
    var box = document.getElementById("board-message");
    if (!box) {
      return;
    }
    box.textContent = text;
    box.className = refused ? "message error" : "message success";
    box.hidden = false;
  }

  function settle(card, data) {
    card.setAttribute("data-version", String(data.version));
    var form = card.querySelector("form.work-card-move");
    if (form) {
      form.querySelector('input[name="version"]').value = String(data.version);
      form.querySelector('select[name="status"]').value = String(data.status);
    }
  }

  function move(card, list, from, next) {
    var board = card.closest(".board");
    var failed = board ? board.getAttribute("data-move-failed") : "";
    list.insertBefore(card, list.firstChild);
    addToCount(from, -1);
    addToCount(list, 1);
    card.classList.add("moving");

    function goBack(text) {
      if (next && next.parentNode === from) {
        from.insertBefore(card, next);
      } else {
        from.appendChild(card);
      }
      addToCount(list, -1);
      addToCount(from, 1);
      card.classList.add("refused");
      say(text || failed, true);
      var title = card.querySelector(".work-card-title");
      if (title) {
        title.focus();
      }
    }

    var body = new URLSearchParams();
    body.set("status", list.getAttribute("data-drop-status"));
    body.set("version", card.getAttribute("data-version") || "");
    fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
      },
      body: body.toString(),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            card.classList.remove("moving");
            if (response.ok) {
              card.classList.remove("refused");
              settle(card, data);
              say(data.message || "", false);
            } else {
              goBack(data.message);
            }
          });
      })
      .catch(function () {
        card.classList.remove("moving");
        goBack("");
      });
  }

  function dropList(event) {
    var target = event.target;
    return target && target.closest ? target.closest("[data-drop-status]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var target = event.target;
    var card = target && target.closest ? target.closest("li.work-card[draggable='true']") : null;
    if (!card) {
      return;
    }
    dragged = card;
    origin = card.parentNode;
    originNext = card.nextElementSibling;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("dragging");
    }
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (list) {
      list.classList.remove("drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var list = dropList(event);
    if (!list || !dragged) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    list.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var list = dropList(event);
    if (list && !list.contains(event.relatedTarget)) {
      list.classList.remove("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var list = dropList(event);
    if (!list || !dragged) {
      return;
    }
    event.preventDefault();
    list.classList.remove("drop-target");
    var card = dragged;
    dragged = null;
    card.classList.remove("dragging");
    if (list === origin) {
      return;
    }
    move(card, list, origin, originNext);
  });

  // One custom role at a time (the filters hold one): choosing a holder in one role's
  // select clears the others.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.name || !/^role\d+$/.test(select.name) || !select.value) {
      return;
    }
    select.form.querySelectorAll("select").forEach(function (other) {
      if (other !== select && /^role\d+$/.test(other.name)) {
        other.value = "";
      }
    });
  }, true);
})();

// The release viewer: rows of window.INKSET_VIEW (viewer_data.js), filtered by split, label and
// key, PAGE rows a page. Plain DOM, no framework, nothing fetched: it runs from file:// too.
"use strict";
(function () {
  const view = window.INKSET_VIEW;
  const PAGE = 20;
  const $ = (id) => document.getElementById(id);
  let page = 0;

  function option(select, value, text) {
    const node = document.createElement("option");
    node.value = value;
    node.textContent = text;
    select.appendChild(node);
  }

  function fillSelectors() {
    view.splits.forEach((split, i) => {
      const n = view.rows.filter((row) => row[1] === i).length;
      option($("split"), String(i), `${split} (${n})`);
    });
    option($("label-set"), "", "(any)");
    Object.keys(view.label_sets).forEach((name) => option($("label-set"), name, name));
    fillLabels();
  }

  function fillLabels() {
    const select = $("label");
    select.innerHTML = "";
    option(select, "", "(any)");
    const name = $("label-set").value;
    if (!name) return;
    const counts = new Array(view.label_sets[name].length).fill(0);
    const split = Number($("split").value);
    view.rows.forEach((row) => {
      if (row[1] === split) (row[2][name] || []).forEach((i) => counts[i]++);
    });
    view.label_sets[name]
      .map((text, i) => [text, i])
      .filter(([, i]) => counts[i] > 0)
      .sort((a, b) => counts[b[1]] - counts[a[1]])
      .forEach(([text, i]) => option(select, String(i), `${text} (${counts[i]})`));
  }

  function chosenRows() {
    const split = Number($("split").value);
    const name = $("label-set").value;
    const label = $("label").value === "" ? null : Number($("label").value);
    const needle = $("search").value.trim();
    return view.rows.filter((row) => row[1] === split
      && (label === null || (row[2][name] || []).includes(label))
      && (!needle || row[0].includes(needle)));
  }

  function labelText(row) {
    return Object.entries(row[2])
      .filter(([, indexes]) => indexes.length)
      .map(([name, indexes]) => `${name}: ${indexes.map((i) => view.label_sets[name][i]).join(", ")}`)
      .join("\n");
  }

  function cell(tr, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    const box = document.createElement("div");  // table cells ignore min/max-width; a div keeps them
    box.textContent = text;
    td.appendChild(box);
    tr.appendChild(td);
    return box;
  }

  function render() {
    const rows = chosenRows();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages - 1);
    const head = ["#", "image", "key", "labels", ...view.columns];
    $("rows").tHead.innerHTML = "<tr>" + head.map(() => "<th></th>").join("") + "</tr>";
    Array.from($("rows").tHead.rows[0].cells).forEach((th, i) => { th.textContent = head[i]; });
    const body = $("rows").tBodies[0];
    body.innerHTML = "";
    rows.slice(page * PAGE, (page + 1) * PAGE).forEach((row, i) => {
      const tr = document.createElement("tr");
      tr.dataset.key = row[0];
      cell(tr, String(page * PAGE + i + 1), "num");
      const td = cell(tr, "", "thumb");
      if (row[4]) {
        const img = document.createElement("img");
        img.className = "thumb";
        img.alt = row[0];
        img.src = row[4][0];
        img.style.objectPosition = `-${row[4][1]}px -${row[4][2]}px`;
        // a metadata-only export ships no thumbnail sheets: say so instead of a broken image
        img.onerror = () => { td.textContent = "(image not in this copy)"; };
        td.appendChild(img);
      } else {
        td.textContent = "(no image)";
      }
      cell(tr, row[0], "key");
      cell(tr, labelText(row), "labels");
      row[3].forEach((value) => cell(tr, value));
      body.appendChild(tr);
    });
    $("page-info").textContent = ` page ${page + 1} of ${pages} (${rows.length} rows) `;
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }

  fillSelectors();
  $("split").addEventListener("change", () => { page = 0; fillLabels(); render(); });
  $("label-set").addEventListener("change", () => { page = 0; fillLabels(); render(); });
  $("label").addEventListener("change", () => { page = 0; render(); });
  $("search").addEventListener("input", () => { page = 0; render(); });
  $("prev").addEventListener("click", () => { page -= 1; render(); });
  $("next").addEventListener("click", () => { page += 1; render(); });
  render();
})();

(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");
  var box = doc.getElementById("party-filter");
  var wrap = doc.getElementById("filter-wrap");
  var status = doc.getElementById("filter-status");
  if (wrap) { wrap.hidden = false; }

  function norm(s) {
    return (s || "").normalize("NFKC").toLowerCase().replace(/\u2019/g, "'").replace(/\s+/g, " ").trim();
  }
  function all(sel, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(sel)); }

  function matches(el, q) {
    if (!q) { return true; }
    return norm(el.getAttribute("data-party")).indexOf(q) !== -1 ||
           norm(el.getAttribute("data-search")).indexOf(q) !== -1;
  }

  function apply() {
    var q = norm(box ? box.value : "");
    var shown = {};
    var nClaims = 0, nDocs = 0;
    all("li.claim[data-claim]").forEach(function (li) {
      var ok = matches(li, q);
      li.hidden = !ok;
      if (ok) { shown[li.getAttribute("data-claim")] = true; nClaims++; }
    });
    all("mark.hl[data-claims]").forEach(function (m) {
      var ids = m.getAttribute("data-claims").split(" ");
      var on = ids.some(function (id) { return shown[id]; });
      m.classList.toggle("dim", !!q && !on);
    });
    all("article.doc").forEach(function (art) {
      var visible = !q || all("li.claim[data-claim]", art).some(function (li) { return !li.hidden; });
      art.classList.toggle("filtered-out", !visible);
      var link = doc.querySelector('a[href="#' + art.id + '"]');
      if (link && link.parentNode) { link.parentNode.hidden = !visible; }
      if (visible) { nDocs++; }
      all("ul[data-kind]", art).forEach(function (ul) {
        var none = ul.parentNode.querySelector('.none-match[data-for="' + ul.getAttribute("data-kind") + '"]');
        var any = all("li.claim", ul).some(function (li) { return !li.hidden; });
        if (none) { none.hidden = any || !q; }
      });
    });
    all("tr[data-party]").forEach(function (tr) { tr.hidden = !matches(tr, q); });
    all(".dis[data-party]").forEach(function (d) { d.hidden = !matches(d, q); });
    if (q) {  // a matching party in a collapsed list: open the list
      all("details.more-parties").forEach(function (d) {
        if (all("tr[data-party]", d).some(function (tr) { return !tr.hidden; })) { d.open = true; }
      });
    }
    all("g.bar[data-party]").forEach(function (g) { g.classList.toggle("dim", !matches(g, q)); });
    if (status) {
      status.textContent = q ? nClaims + " claim" + (nClaims === 1 ? "" : "s") + " in " + nDocs +
        " article" + (nDocs === 1 ? "" : "s") + " match \u201c" + box.value.trim() + "\u201d" : "";
    }
  }

  if (box) {
    box.addEventListener("input", apply);
    var initial = /[?&#]party=([^&]*)/.exec(location.hash);
    if (initial) { box.value = decodeURIComponent(initial[1]); }
    apply();
  }

  function articles() { return all("article.doc").filter(function (a) { return !a.classList.contains("filtered-out"); }); }
  function step(dir) {
    var list = articles(); if (!list.length) { return; }
    var y = window.scrollY + 40, idx = -1;
    list.forEach(function (a, i) { if (a.getBoundingClientRect().top + window.scrollY <= y) { idx = i; } });
    var next = list[Math.max(0, Math.min(list.length - 1, idx + dir))];
    var h = next.querySelector("h2");
    next.scrollIntoView({ block: "start" });
    if (h) { h.focus({ preventScroll: true }); }
  }
  doc.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target, typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (typing) {
      if (e.key === "Escape" && t === box) { box.value = ""; apply(); box.blur(); }
      return;
    }
    if (e.key === "/" && box) { e.preventDefault(); box.focus(); box.select(); }
    else if (e.key === "j") { e.preventDefault(); step(1); }
    else if (e.key === "k") { e.preventDefault(); step(-1); }
  });
  all("[data-filter-party]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      if (!box) { return; }
      e.preventDefault();
      box.value = a.getAttribute("data-filter-party");
      apply();
      box.focus();
    });
  });
})();

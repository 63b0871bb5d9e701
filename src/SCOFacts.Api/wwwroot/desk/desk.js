// The desk's only script. Every page works without it; with it, a fact page follows the change feed and a
// source's document fills the record form from a selection.
"use strict";

(function () {
    // Live updates: the fact page listens to the API's change feed (Server-Sent Events) from just after the
    // events it was rendered from, and re-renders its live region when one of its streams changes.
    function followFeed(live) {
        var after = live.getAttribute("data-live-after");
        if (!after || !window.EventSource) return;
        var streams = (live.getAttribute("data-live-streams") || "").split(" ").filter(Boolean);
        var types = (live.getAttribute("data-live-types") || "").split(" ").filter(Boolean);
        var source = new EventSource("/api/feed/stream?after=" + encodeURIComponent(after));
        var pending = false;
        function refresh() {
            pending = false;
            fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
                .then(function (response) { return response.ok ? response.text() : null; })
                .then(function (html) {
                    if (!html) return;
                    var next = new DOMParser().parseFromString(html, "text/html").getElementById("live");
                    if (!next) return;
                    var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id : null;
                    live.innerHTML = next.innerHTML;
                    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
                    var verdict = live.querySelector("[data-testid=verdict]");
                    var status = document.getElementById("live-status");
                    if (status && verdict) status.textContent = "Updated: the verdict is now " + verdict.textContent + ".";
                    live.setAttribute("data-live-updated", String(Date.now()));
                });
        }
        function onEvent(e) {
            var item;
            try { item = JSON.parse(e.data); } catch (err) { return; }
            if (streams.indexOf(item.streamId) < 0 || pending) return;
            pending = true;
            window.setTimeout(refresh, 50); // one refresh for a burst of events from one write
        }
        types.forEach(function (type) { source.addEventListener(type, onEvent); });
        live.setAttribute("data-live-connected", "true");
        window.addEventListener("pagehide", function () { source.close(); });
    }

    // Recording from a document: a selection inside it becomes the quote, its paragraph (1-based non-empty
    // line) and its UTF-16 offset in the document's text.
    function followSelection(doc) {
        var quote = document.getElementById("quote");
        if (!quote) return;
        var offsetField = document.getElementById("offset");
        var paragraphField = document.getElementById("paragraph");
        var status = document.getElementById("selection-status");
        function take() {
            var selection = window.getSelection();
            if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
            var range = selection.getRangeAt(0);
            if (!doc.contains(range.startContainer) || !doc.contains(range.endContainer)) return;
            var before = document.createRange();
            before.setStart(doc, 0);
            before.setEnd(range.startContainer, range.startOffset);
            var offset = before.toString().length;
            var text = range.toString();
            if (!text.trim()) return;
            var lines = doc.textContent.slice(0, offset).split("\n");
            var paragraph = lines.slice(0, -1).filter(function (l) { return l.trim().length > 0; }).length + 1;
            quote.value = text;
            if (offsetField) offsetField.value = String(offset);
            if (paragraphField) paragraphField.value = String(paragraph);
            if (status) status.textContent = "Quote taken from paragraph " + paragraph + ", offset " + offset + ".";
        }
        doc.addEventListener("mouseup", take);
        doc.addEventListener("keyup", take);
        doc.addEventListener("touchend", take);
    }

    document.addEventListener("DOMContentLoaded", function () {
        var live = document.getElementById("live");
        if (live) followFeed(live);
        var doc = document.getElementById("document");
        if (doc) followSelection(doc);
    });
})();

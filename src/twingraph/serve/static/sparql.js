// The SPARQL editor of /sparql: YASGUI (static/vendor/yasgui) against this server's
// own endpoint, with the named queries offered in a list. Nothing here may make the
// browser ask another host: YASGUI's defaults would (endpoint catalogue, LOV term
// completion, settings taken from the URL), so each of them is switched off below.
(function () {
  "use strict";
  var box = document.getElementById("sparql-editor");
  var root = document.getElementById("yasgui");
  if (!box || !root || typeof Yasgui === "undefined") return;
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
  var texts = JSON.parse(document.getElementById("named-queries").textContent);

  // Yasgui merges its config with lodash's merge, which merges arrays index by index:
  // a shorter list given in the config would keep the defaults' tail. So the list of
  // completers is set on the defaults. "class" and "property" ask lov.linkeddata.es.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  Yasgui.Yasqe.defaults.prefixCcApi = null; // prefixes from the bundled list, not prefix.cc

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return []; } },
    copyEndpointOnNewTab: false,
    populateFromUrl: false, // a link cannot point the editor at another endpoint
    persistenceId: null, // no tabs, endpoints or results kept in localStorage
    tabName: "Запрос",
    // no createShortLink (a URL shortener) and no corsProxy: neither is set by default
    yasqe: { value: root.dataset.query },
    yasr: { persistenceId: null, maxPersistentResponseSize: 0 },
  });

  var select = document.getElementById("named-query");
  select.addEventListener("change", function () {
    var tab = yasgui.getTab();
    if (!Object.prototype.hasOwnProperty.call(texts, select.value) || !tab) return;
    tab.setQuery(texts[select.value]);
    tab.setName(select.options[select.selectedIndex].text);
  });
  box.hidden = false;
  yasgui.getTab().getYasqe().refresh(); // CodeMirror measures itself: it was drawn while hidden
})();

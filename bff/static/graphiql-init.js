// Boots GraphiQL from the JSON config embedded in the page (no inline script, so the CSP stays strict).
//
// A document with @defer or @stream is sent accepting multipart/mixed (deferSpec=20220824): each part is merged
// into the result as it arrives and GraphiQL shows the result after every part, so deferred fields appear a
// moment after the rest. Everything else goes through GraphiQL's own fetcher.
(function () {
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var plain = GraphiQL.createFetcher({ url: config.endpoint });
  var INCREMENTAL = /@(defer|stream)\b/;
  var MULTIPART_ACCEPT = "multipart/mixed;deferSpec=20220824, application/json";

  // The JSON parts of a multipart/mixed body (boundary "-"), each as soon as its closing delimiter arrived.
  async function* multipartParts(body) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    var preamble = true;
    for (;;) {
      var read = await reader.read();
      if (read.done) return;
      buffer += decoder.decode(read.value, { stream: true });
      var at;
      while ((at = buffer.indexOf("\r\n---")) !== -1) {
        var part = buffer.slice(0, at);
        buffer = buffer.slice(at + 5);
        if (!preamble) {
          var head = part.indexOf("\r\n\r\n");
          yield JSON.parse(part.slice(head + 4));
        }
        preamble = false;
      }
    }
  }

  function at(data, path) {
    for (var i = 0; data != null && i < path.length; i++) data = data[path[i]];
    return data;
  }

  function deepMerge(target, source) {
    Object.keys(source).forEach(function (key) {
      var value = source[key];
      if (target[key] && typeof target[key] === "object" && value && typeof value === "object") {
        deepMerge(target[key], value);
      } else {
        target[key] = value;
      }
    });
  }

  // One part of the 2022 format merged into the result: the initial data, then each deferred or streamed entry.
  function mergePart(result, part) {
    if ("data" in part) result.data = part.data;
    (part.errors || []).forEach(function (e) { (result.errors = result.errors || []).push(e); });
    if (part.extensions) result.extensions = Object.assign(result.extensions || {}, part.extensions);
    (part.incremental || []).forEach(function (entry) {
      (entry.errors || []).forEach(function (e) { (result.errors = result.errors || []).push(e); });
      if (entry.items) {
        var list = at(result.data, entry.path.slice(0, -1));
        if (Array.isArray(list)) Array.prototype.push.apply(list, entry.items);
      } else if (entry.data) {
        var target = at(result.data, entry.path);
        if (target && typeof target === "object") deepMerge(target, entry.data);
      }
    });
  }

  async function* incremental(params, options) {
    var headers = Object.assign(
      { "content-type": "application/json", accept: MULTIPART_ACCEPT },
      options && options.headers,
    );
    var response = await fetch(config.endpoint, { method: "POST", headers: headers, body: JSON.stringify(params) });
    var type = response.headers.get("content-type") || "";
    if (type.indexOf("multipart/mixed") === -1 || !response.body) {
      yield await response.json();
      return;
    }
    var result = {};
    for await (var part of multipartParts(response.body)) {
      mergePart(result, part);
      yield JSON.parse(JSON.stringify(result)); // a new object per part, so the result pane re-renders
    }
  }

  function fetcher(params, options) {
    return INCREMENTAL.test(params.query || "") ? incremental(params, options) : plain(params, options);
  }

  ReactDOM.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: config.tabs,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
    document.getElementById("graphiql"),
  );
})();

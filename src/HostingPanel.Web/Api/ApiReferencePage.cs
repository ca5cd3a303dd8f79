namespace HostingPanel.Web.Api;

/// <summary>
/// /api/docs: a readable reference rendered in the browser from /openapi/v1.json by a few lines of script.
/// Self-contained (no CDN: installations may have no internet); text goes in with textContent, never as HTML.
/// </summary>
public static class ApiReferencePage
{
    public const string Html = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HostingPanel API reference</title>
<style>
 body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #fff; }
 header { background: #0d6efd; color: #fff; padding: 1rem 2rem; }
 header a { color: #fff; }
 main { display: flex; }
 nav { width: 19rem; flex: none; padding: 1rem; border-right: 1px solid #ddd; position: sticky; top: 0; height: 100vh; overflow: auto; box-sizing: border-box; }
 nav a { display: block; color: #1f2328; text-decoration: none; font-size: 13px; padding: 1px 0; overflow-wrap: anywhere; }
 nav h4 { margin: .8rem 0 .2rem; }
 #content { flex: 1; padding: 1rem 2rem; max-width: 70rem; }
 .op { border: 1px solid #ddd; border-radius: 6px; margin: 1rem 0; padding: .6rem 1rem; }
 .verb { display: inline-block; min-width: 4.2rem; font-weight: 700; font-family: monospace; }
 .GET { color: #0a7d36; } .POST { color: #0d6efd; } .PATCH, .PUT { color: #9a6700; } .DELETE { color: #cf222e; }
 code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; background: #f6f8fa; border-radius: 4px; }
 code { padding: 0 .25rem; } pre { padding: .6rem; overflow: auto; }
 table { border-collapse: collapse; margin: .4rem 0; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; font-size: 13px; }
 .path { font-family: monospace; font-weight: 600; }
 .muted { color: #656d76; }
</style>
</head>
<body>
<header><strong>HostingPanel API reference</strong> &middot; <a href="/openapi/v1.json">OpenAPI document</a> &middot; <a href="/">Portal</a></header>
<main><nav id="nav"></nav><div id="content"><p>Loading /openapi/v1.json&hellip;</p></div></main>
<script>
(async () => {
  const content = document.getElementById('content'), nav = document.getElementById('nav');
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) if (c != null) e.append(c);
    return e;
  };
  // Markdown subset: paragraphs, **bold**, `code`; everything as text nodes.
  const md = text => {
    const box = el('div');
    for (const para of (text || '').split(/\n\s*\n/)) {
      const p = el('p');
      for (const part of para.split(/(`[^`]*`|\*\*[^*]*\*\*)/)) {
        if (part.startsWith('`') && part.endsWith('`') && part.length > 1) p.append(el('code', {}, part.slice(1, -1)));
        else if (part.startsWith('**') && part.endsWith('**') && part.length > 3) p.append(el('strong', {}, part.slice(2, -2)));
        else p.append(part);
      }
      box.append(p);
    }
    return box;
  };
  let doc;
  try { doc = await (await fetch('/openapi/v1.json')).json(); }
  catch (e) { content.textContent = 'Could not load /openapi/v1.json: ' + e; return; }
  const schemas = (doc.components && doc.components.schemas) || {};
  const refName = r => r.split('/').pop();
  const typeOf = s => {
    if (!s) return 'any';
    if (s.$ref) return refName(s.$ref);
    if (s.enum) return s.enum.map(x => JSON.stringify(x)).join(' | ');
    const t = Array.isArray(s.type) ? s.type.filter(x => x !== 'null').join('|') + (s.type.includes('null') ? '?' : '') : (s.type || 'object');
    if (t.startsWith('array')) return typeOf(s.items) + '[]';
    return t + (s.format ? ' (' + s.format + ')' : '');
  };
  // An example-like skeleton of a schema, resolving references a few levels deep.
  const sample = (s, depth) => {
    if (!s || depth > 4) return null;
    if (s.$ref) return sample(schemas[refName(s.$ref)], depth + 1);
    if (s.enum) return s.enum[0];
    const t = Array.isArray(s.type) ? s.type.find(x => x !== 'null') : s.type;
    if (t === 'array') return [sample(s.items, depth + 1)];
    if (t === 'object' || s.properties) {
      const o = {};
      for (const [k, v] of Object.entries(s.properties || {})) o[k] = sample(v, depth + 1);
      if (s.additionalProperties) o['field'] = [sample(s.additionalProperties.items || s.additionalProperties, depth + 1)];
      return o;
    }
    if (t === 'integer' || t === 'number') return 0;
    if (t === 'boolean') return false;
    if (s.format === 'uuid') return '00000000-0000-0000-0000-000000000000';
    if (s.format === 'date-time') return '2026-01-01T00:00:00+00:00';
    return 'string';
  };
  content.replaceChildren(el('h1', {}, doc.info.title + ' ' + doc.info.version), md(doc.info.description));
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {}))
    for (const verb of ['get', 'post', 'put', 'patch', 'delete'])
      if (item[verb]) {
        const op = item[verb], tag = (op.tags && op.tags[0]) || 'Other';
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push({ path, verb: verb.toUpperCase(), op, shared: item.parameters || [] });
      }
  for (const [tag, ops] of byTag) {
    const tagId = 'tag-' + tag.replace(/\W+/g, '-');
    content.append(el('h2', { id: tagId }, tag));
    nav.append(el('h4', {}, el('a', { href: '#' + tagId }, tag)));
    for (const { path, verb, op, shared } of ops) {
      const id = op.operationId || (verb + path).replace(/\W+/g, '-');
      nav.append(el('a', { href: '#' + id }, verb + ' ' + path));
      const box = el('section', { class: 'op', id });
      box.append(el('div', {}, el('span', { class: 'verb ' + verb }, verb), el('span', { class: 'path' }, path)));
      if (op.summary) box.append(el('div', {}, el('strong', {}, op.summary)));
      if (op.description) box.append(md(op.description));
      const params = [...shared, ...(op.parameters || [])];
      if (params.length) {
        const t = el('table', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'type'), el('th', {}, 'description')));
        for (const p of params) t.append(el('tr', {}, el('td', {}, el('code', {}, p.name)), el('td', {}, p.in), el('td', {}, typeOf(p.schema) + (p.required ? '' : ', optional')), el('td', {}, p.description || '')));
        box.append(t);
      }
      const body = op.requestBody && op.requestBody.content && (op.requestBody.content['application/json'] || Object.values(op.requestBody.content)[0]);
      if (body) box.append(el('div', { class: 'muted' }, 'Request body (' + typeOf(body.schema) + ')'), el('pre', {}, JSON.stringify(sample(body.schema, 0), null, 2)));
      const rt = el('table', {}, el('tr', {}, el('th', {}, 'status'), el('th', {}, 'meaning'), el('th', {}, 'body')));
      for (const [code, r] of Object.entries(op.responses || {})) {
        const c = r.content && Object.entries(r.content)[0];
        rt.append(el('tr', {}, el('td', {}, code), el('td', {}, r.description || ''), el('td', {}, c ? c[0] + ' ' + typeOf(c[1].schema) : '')));
      }
      box.append(rt);
      content.append(box);
    }
  }
  const sh = el('h2', { id: 'schemas' }, 'Schemas');
  content.append(sh);
  nav.append(el('h4', {}, el('a', { href: '#schemas' }, 'Schemas')));
  for (const [name, s] of Object.entries(schemas)) {
    const box = el('section', { class: 'op', id: 'schema-' + name }, el('strong', {}, name));
    if (s.description) box.append(md(s.description));
    const t = el('table', {}, el('tr', {}, el('th', {}, 'field'), el('th', {}, 'type')));
    for (const [k, v] of Object.entries(s.properties || {})) t.append(el('tr', {}, el('td', {}, el('code', {}, k)), el('td', {}, typeOf(v))));
    if (s.enum) t.append(el('tr', {}, el('td', {}, 'values'), el('td', {}, typeOf(s))));
    box.append(t);
    content.append(box);
  }
})();
</script>
</body>
</html>
""";
}

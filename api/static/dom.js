// Small helpers shared by the page's modules: building elements, reading JSON, compact IRIs.

/** An element with attributes (on* keys become listeners) and children (strings become text, null is skipped). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  node.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined));
  return node;
}

/** What the server put in the page: prefixes, accepted values per range, which editor to show. */
export const config = JSON.parse(document.getElementById("page-config").textContent);

/** GET a JSON route and where its next page is (the `Link: rel="next"` header, as a same-origin path; or null).
 * A refusal ({"error", "message"}) becomes an Error carrying the server's message. */
export async function getPage(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.message || `${response.status} ${response.statusText}`);
  const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("Link") || "");
  const next = link ? new URL(link[1], location.href) : null;
  return { body, next: next && `${next.pathname}${next.search}` };
}

/** GET a JSON route; a refusal becomes an Error carrying the server's message. */
export async function getJSON(url) {
  return (await getPage(url)).body;
}

// Longest namespace first, so "patient:pbc-2021/relapse-3" wins over a shorter prefix of the same IRI.
const namespaces = Object.entries(config.prefixes).sort((a, b) => b[1].length - a[1].length);

/** "https://w3id.org/salvage-kg/ontology#Relapse" -> "sk:Relapse"; other text unchanged. */
export function compact(text) {
  for (const [prefix, namespace] of namespaces) {
    if (text.startsWith(namespace) && text.length > namespace.length) return `${prefix}:${text.slice(namespace.length)}`;
  }
  return text;
}

/** A message in place of content that could not be loaded, read out by screen readers. */
export function failure(error) {
  return h("p", { class: "error", role: "alert" }, String(error.message || error));
}

/** Fill a container with one element per item of a JSON list route, or with the reason it could not be read. */
export async function showList(container, url, render) {
  try {
    const items = await getJSON(url);
    container.replaceChildren(...items.map(render));
  } catch (error) {
    container.replaceChildren(failure(error));
  }
}

const ISO_DURATION = /\bP(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?\b/g;

/** "P5Y" -> "5 years", "P1Y after transplant" -> "1 year after transplant": durations as people write them. */
export function duration(text) {
  if (!text) return text;
  return text.replace(ISO_DURATION, (whole, ...counts) => {
    const parts = ["year", "month", "week", "day"]
      .map((unit, index) => [counts[index], unit])
      .filter(([count]) => count !== undefined)
      .map(([count, unit]) => `${count} ${unit}${count === "1" ? "" : "s"}`);
    return parts.join(" ") || whole;
  });
}

/** The prefixes the SPARQL editor's starting query declares: identifiers in them are shown as prefixed names. */
export const EDITOR_PREFIXES = ["sk", "rdfs"];

// A prefixed name's local part as SPARQL 1.1 reads it without escapes (PN_LOCAL, ASCII only): no "/" inside.
const PLAIN_LOCAL = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/;

/** An IRI as it pastes back into the editor: a prefixed name the editor declares, else the full <IRI>. */
export function sparqlTerm(iri) {
  const short = compact(iri);
  const [prefix, local] = [short.slice(0, short.indexOf(":")), short.slice(short.indexOf(":") + 1)];
  if (short !== iri && EDITOR_PREFIXES.includes(prefix) && PLAIN_LOCAL.test(local)) return short;
  return `<${iri}>`;
}

/** Text as lower-case words: case, hyphens and punctuation aside ("CD19-negative" -> "cd19 negative"). */
export function words(text) {
  return String(text ?? "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

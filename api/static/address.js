// The page's address holds the question asked, its parameters, the page of its answer and how the table is shown
// (sorted, filtered, which columns), so that reloading or sharing it shows the same answer:
// /?question=study-results&therapy=sk:CARTProduct&offset=100&sort=-rate_percent&filter=cd19&columns=a,b
// No question may name a parameter like these keys (kg/questions/catalogue.py refuses it at load).

const VIEW_KEYS = { sort: "sort", filter: "filter", columns: "columns" };
const KEPT = ["editor"]; // the page's own options stay in the address

/** Put a question's run into the address, without a reload; `url` is the question's route with its parameters. */
export function remember(name, url, view) {
  const here = new URLSearchParams(location.search);
  const address = new URLSearchParams();
  for (const key of KEPT) if (here.has(key)) address.set(key, here.get(key));
  address.set("question", name);
  for (const [key, value] of new URL(url, location.origin).searchParams) if (key !== "limit") address.set(key, value);
  if (view.sort) address.set(VIEW_KEYS.sort, `${view.desc ? "-" : ""}${view.sort}`);
  if (view.filter) address.set(VIEW_KEYS.filter, view.filter);
  if (view.columns) address.set(VIEW_KEYS.columns, view.columns.join(","));
  history.replaceState(null, "", `?${address}#question-${name}`);
}

/** The table's view as an address gives it: {sort, desc, filter, columns}. */
export function viewFrom(address) {
  const sort = address.get(VIEW_KEYS.sort) || "";
  return {
    sort: sort.replace(/^-/, "") || null,
    desc: sort.startsWith("-"),
    filter: address.get(VIEW_KEYS.filter) || "",
    columns: address.get(VIEW_KEYS.columns)?.split(",").filter(Boolean) || null,
  };
}

// Search a mkdocs-material search_index.json with lunr under Node, the way Material's search
// worker does in the browser (material/templates/assets/javascripts/workers/search.*.js,
// "integrations/search/_/index.ts" in its source map): b(0), the configured languages through
// lunr-languages (the files Material ships), pipeline functions not named in config.pipeline
// removed, fields with their boosts, HTML tags not indexed, the query transformed (a trailing
// wildcard on every term), scores boosted by the share of query terms found, sections grouped
// under their page in order of their best section.
//
// usage: node bench/lunr_search.js SEARCH_INDEX.json QUERIES.json LUNR_MIN_DIR
// QUERIES.json is a JSON list of strings; prints {"build_ms", "results": [[page, ...]], "latency_ms"}.
"use strict";
const fs = require("fs");
const path = require("path");

const lunr = require(path.join(__dirname, "node", "node_modules", "lunr"));
const [indexFile, queriesFile, langDir] = process.argv.slice(2);
const { config, docs } = JSON.parse(fs.readFileSync(indexFile, "utf8"));
const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"));
global.lunr = lunr;

function loadLanguages() {
  const load = (name) => require(path.join(langDir, name))(lunr);
  if (config.lang.length === 1 && config.lang[0] === "en") return;
  load("lunr.stemmer.support.min.js");
  for (const lang of config.lang) if (lang !== "en") load(`lunr.${lang}.min.js`);
  if (config.lang.length > 1) load("lunr.multi.min.js");
}

function split(input, separator, fn) {
  separator = new RegExp(separator, "g");
  let match;
  let index = 0;
  do {
    match = separator.exec(input);
    const until = match ? match.index : input.length;
    if (index < until) fn(index, until);
    if (match) {
      index = match.index + match[0].length;
      if (match[0].length === 0) separator.lastIndex = match.index + 1;
    }
  } while (match);
}

function tokenize(input) {
  const tokens = [];
  if (typeof input === "undefined") return tokens;
  for (const value of Array.isArray(input) ? input : [input]) {
    const text = String(value).replace(/<[^>]*>/g, " ");
    split(text, lunr.tokenizer.separator, (a, b) => {
      tokens.push(new lunr.Token(text.slice(a, b).toLowerCase(), {}));
    });
  }
  return tokens;
}

function buildIndex() {
  return lunr(function () {
    this.b(0);
    if (config.lang.length === 1 && config.lang[0] !== "en") this.use(lunr[config.lang[0]]);
    else if (config.lang.length > 1) this.use(lunr.multiLanguage(...config.lang));
    this.tokenizer = tokenize;
    lunr.tokenizer.separator = new RegExp(config.separator);
    const fns = ["trimmer", "stopWordFilter", "stemmer"].filter((f) => !config.pipeline.includes(f));
    for (const lang of config.lang.map((l) => (l === "en" ? lunr : lunr[l])))
      for (const fn of fns) {
        this.pipeline.remove(lang[fn]);
        this.searchPipeline.remove(lang[fn]);
      }
    this.ref("location");
    for (const [name, spec] of Object.entries(config.fields)) this.field(name, { ...spec });
    for (const doc of docs) this.add(doc, { boost: doc.boost });
  });
}

function documentMap() {
  const map = new Map();
  for (const doc of docs) {
    const [page] = doc.location.split("#");
    const article = map.get(page);
    if (typeof article === "undefined") map.set(page, doc);
    else {
      map.set(doc.location, doc);
      doc.parent = article;
    }
  }
  return map;
}

function transform(query, fn) {
  return query
    .trim()
    .split(/"([^"]+)"/g)
    .map((parts, index) => (index & 1 ? parts.replace(/^\b|^(?![^\x00-\x7F]|$)|\s+/g, " +") : parts))
    .join("")
    .replace(/"|(?:^|\s+)[*+\-:^~]+(?=\s+|$)/g, "")
    .split(/\s+/g)
    .reduce((prev, term) => {
      const next = fn(term);
      return [...prev, ...(Array.isArray(next) ? next : [next])];
    }, [])
    .map((term) => (/([~^]$)/.test(term) ? `${term}1` : term))
    .map((term) => (/(^[+-]|[~^]\d+$)/.test(term) ? term : `${term}*`))
    .join(" ");
}

function transformSearchQuery(query) {
  return transform(query, (part) => {
    const terms = [];
    const lexer = new lunr.QueryLexer(part);
    lexer.run();
    for (const { type, str: term, start, end } of lexer.lexemes)
      switch (type) {
        case "FIELD":
          if (!["title", "text", "tags"].includes(term))
            part = [part.slice(0, end), " ", part.slice(end + 1)].join("");
          break;
        case "TERM":
          split(term, lunr.tokenizer.separator, (...range) => {
            terms.push([part.slice(0, start), term.slice(...range), part.slice(end)].join(""));
          });
      }
    return terms;
  });
}

function parseClauses(value) {
  const query = new lunr.Query(["title", "text", "tags"]);
  new lunr.QueryParser(value, query).parse();
  for (const clause of query.clauses) {
    if (clause.term.startsWith("*")) clause.term = clause.term.slice(1);
    if (clause.term.endsWith("*")) clause.term = clause.term.slice(0, -1);
  }
  return query.clauses.filter((c) => c.presence !== lunr.Query.presence.PROHIBITED);
}

function queryTerms(clauses, terms) {
  const open = new Set(clauses);
  const result = {};
  for (const term of terms)
    for (const clause of open)
      if (term.startsWith(clause.term)) {
        result[clause.term] = true;
        open.delete(clause);
      }
  for (const clause of open) if (lunr.stopWordFilter && lunr.stopWordFilter(clause.term)) result[clause.term] = false;
  return result;
}

function search(index, map, raw) {
  const query = transformSearchQuery(raw);
  if (!query) return [];
  const clauses = parseClauses(query);
  const scored = index
    .search(query)
    .map(({ ref, score, matchData }) => {
      const doc = map.get(ref);
      const terms = queryTerms(clauses, Object.keys(matchData.metadata));
      const found = Object.values(terms).filter((t) => t).length;
      const boost = +!doc.parent + found / Object.keys(terms).length;
      return { location: ref, page: doc.parent ? doc.parent.location : doc.location, score: score * (1 + boost ** 2) };
    })
    .sort((a, b) => b.score - a.score);
  const pages = [];
  for (const item of scored) if (!pages.includes(item.page)) pages.push(item.page);
  return pages;
}

function main() {
  loadLanguages();
  let t = process.hrtime.bigint();
  const index = buildIndex();
  const map = documentMap();
  const buildMs = Number(process.hrtime.bigint() - t) / 1e6;
  const results = [];
  const latency = [];
  for (const q of queries) {
    t = process.hrtime.bigint();
    let pages;
    try {
      pages = search(index, map, q);
    } catch (err) {
      pages = []; // the browser worker answers an invalid query with no results
    }
    latency.push(Number(process.hrtime.bigint() - t) / 1e6);
    results.push(pages.slice(0, 10));
  }
  process.stdout.write(JSON.stringify({ build_ms: buildMs, results, latency_ms: latency }));
}

main();

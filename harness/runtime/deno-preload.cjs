"use strict";
/**
 * Preloaded into every Deno process of `npm run test:deno` (NODE_OPTIONS=--require, which Deno
 * honours like Node, so processes the specs spawn get it too). Does nothing under Node.
 *
 * Deno 2.9's node:util parseArgs throws "Unknown option '--no-config'" for a negated option of
 * type string even with allowNegative and strict: false, where Node sets the value to false.
 * mocha 12 parses its command line with it, so `mocha --no-config` (specs start child mochas that
 * way) could not start under Deno. This gives such arguments Node's meaning.
 */
if (typeof Deno !== "undefined") {
  const util = require("node:util");
  const original = util.parseArgs;
  util.parseArgs = function parseArgs(config) {
    if (config === undefined || !config.allowNegative || !Array.isArray(config.args) || config.options === undefined) {
      return original.call(this, config);
    }
    const negated = [];
    const args = config.args.filter((arg) => {
      const m = /^--no-(.+)$/.exec(arg);
      const option = m === null ? undefined : config.options[m[1]];
      if (option === undefined || option.type !== "string") return true;
      negated.push(m[1]);
      return false;
    });
    if (negated.length === 0) return original.call(this, config);
    const result = original.call(this, { ...config, args });
    for (const name of negated) result.values[name] = false;
    return result;
  };
}

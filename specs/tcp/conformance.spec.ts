// Every .pkt under specs/tcp is a conformance spec: one mocha test per script × IP mode × target.
import * as path from "node:path";
import { registerScripts } from "../../harness/mocha/register";

registerScripts("conformance (specs/tcp)", __dirname, path.resolve(__dirname, "../.."));

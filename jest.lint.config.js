/** `npm run lint`'s jest run (scripts/lint.sh): the tests that need tools from the OS (`*.lint.ts`). */
const base = require("./jest.config");

module.exports = { ...base, testMatch: ["**/*.lint.ts"] };

/** `npm run rules`: writes RULES.md from the guardrails catalogue (guardrails/rules-md.ts). */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../constructs/project-files";
import { RULES_MD, renderRulesMarkdown } from "../guardrails/rules-md";

if (require.main === module) {
  const file = path.join(projectRoot(), RULES_MD);
  fs.writeFileSync(file, `${renderRulesMarkdown()}\n`);
  process.stdout.write(`wrote ${RULES_MD}\n`);
}

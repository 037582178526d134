/**
 * `npm run plan:review -- <base-plans-dir> <head-plans-dir>`
 * Prints the pull-request comment for two folders of plans as
 * scripts/plan-diff.sh writes them (lab/planReview.ts): the steps per stack,
 * then the plans' diffs as YAML.
 */
import { planReview } from "../lab/planReview";

function main(): number {
    const args = process.argv.slice(2);
    if (args.length !== 2) {
        process.stderr.write("usage: npm run plan:review -- <base-plans-dir> <head-plans-dir>\n");
        return 2;
    }
    process.stdout.write(planReview(args[0], args[1]));
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main();
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = 1;
    }
}

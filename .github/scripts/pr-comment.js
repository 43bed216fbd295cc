// Posts or updates the one featurecat comment on a pull request (see
// workflows/catalog-pr-comment.yml). Run by actions/github-script:
//
//   await require('./.github/scripts/pr-comment.js')({ github, context, core, dir });
//
// `dir` holds the artifact of a "Catalog PR" run: featurecat-report.md and pr-number.txt.
// That run may come from a fork, so both files are untrusted data: the number must be a
// plain integer naming an open pull request whose head is the commit that run checked,
// and the report is only ever used as the text of the comment.
'use strict';

const fs = require('fs');
const path = require('path');

const MARKER = '<!-- featurecat-report -->';
const LIMIT = 65536; // GitHub's maximum comment length, in characters
const BOT = 'github-actions[bot]';

function readSmall(file, max) {
  const text = fs.readFileSync(file, 'utf8');
  return text.length > max ? text.slice(0, max) : text;
}

function prepare(report) {
  // Defuse @-mentions, so a report cannot ping people or teams.
  let body = report.replace(/@(?=[A-Za-z0-9])/g, '@\u200b');
  if (!body.startsWith(MARKER)) body = `${MARKER}\n${body}`;
  if (body.length > LIMIT) {
    const note = '\n\n_The report was cut to fit in a comment; the job summary has all of it._\n';
    body = body.slice(0, LIMIT - note.length) + note;
  }
  return body;
}

module.exports = async function comment({ github, context, core, dir }) {
  const run = context.payload.workflow_run;
  const raw = readSmall(path.join(dir, 'pr-number.txt'), 64).trim();
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) {
    core.setFailed(`pr-number.txt does not hold a pull request number: ${JSON.stringify(raw)}`);
    return;
  }
  const issue_number = Number(raw);
  const { owner, repo } = context.repo;

  const { data: pull } = await github.rest.pulls.get({ owner, repo, pull_number: issue_number });
  if (pull.head.sha !== run.head_sha) {
    // A newer push (its own run will comment), or a number that is not this run's.
    core.warning(`#${issue_number} is at ${pull.head.sha}, not ${run.head_sha}; not commenting`);
    return;
  }

  const report = readSmall(path.join(dir, 'featurecat-report.md'), 4 * LIMIT);
  if (!report.trim()) {
    core.warning('the report is empty (did featurecat fail to run?); not commenting');
    return;
  }
  const body = prepare(report);
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner, repo, issue_number, per_page: 100,
  });
  const ours = comments.find(
    (c) => c.user && c.user.login === BOT && typeof c.body === 'string' && c.body.startsWith(MARKER),
  );
  if (ours) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });
    core.info(`updated comment ${ours.id} on #${issue_number}`);
  } else {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
    core.info(`created comment ${data.id} on #${issue_number}`);
  }
};

module.exports.prepare = prepare;

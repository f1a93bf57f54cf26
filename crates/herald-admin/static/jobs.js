// Publishing jobs (GET /publish/jobs): what the pipeline is doing with an entry, in words.
// A job is queued (waiting for its time or a worker), running, done, failed (gave up; `error`
// says why) or cancelled (superseded or no longer applicable; `error` says why). A queued job
// with an error is waiting to retry after a failed attempt.

import { api, query } from './api.js';
import { h, when } from './dom.js';

export const KIND_LABELS = {
  publish: 'Publish',
  unpublish: 'Unpublish',
  rebuild: 'Rebuild',
  notify: 'Notify',
};

/** Whether the job is due (not a publication scheduled for later). */
function due(job) {
  return !job.run_after || new Date(job.run_after).getTime() <= Date.now() + 1000;
}

/** Whether the job will change soon, so a view showing it should poll. */
export function isActive(job) {
  return job.status === 'running' || (job.status === 'queued' && due(job));
}

/** The job's state for people: 'scheduled' for a queued job whose time has not come. */
export function jobState(job) {
  if (job.status === 'queued' && !due(job)) return job.error ? 'retrying' : 'scheduled';
  if (job.status === 'queued' && job.error) return 'retrying';
  return job.status;
}

/** One sentence on where the job is. */
export function jobText(job) {
  switch (jobState(job)) {
    case 'scheduled':
      return `scheduled for ${when(job.run_after)}`;
    case 'retrying':
      return `attempt ${job.attempts} of ${job.max_attempts} failed; retrying ${due(job) ? 'now' : `at ${when(job.run_after)}`}`;
    case 'queued':
      return 'waiting for the publishing worker';
    case 'running':
      return `running since ${when(job.started_at || job.created_at)}`;
    case 'done':
      return `done ${when(job.finished_at)}`;
    case 'failed':
      return `failed after ${job.attempts} ${job.attempts === 1 ? 'attempt' : 'attempts'}`;
    case 'cancelled':
      return `cancelled ${when(job.finished_at)}`;
    default:
      return job.status;
  }
}

/** A status pill of the job; `data-status` carries the API status for scripts and tests. */
export function jobBadge(job) {
  const state = jobState(job);
  return h('span', { class: `badge job-status job-${state}`, dataset: { status: job.status } }, state);
}

/** The error of the job, when it has one, as a block people can read. */
export function jobError(job) {
  if (!job.error) return null;
  const label = job.status === 'cancelled' ? 'Why' : 'Error';
  return h('p', { class: job.status === 'cancelled' ? 'job-error muted' : 'job-error error' }, h('strong', {}, `${label}: `), job.error);
}

/** A page of jobs, newest first. */
export async function listJobs(params) {
  const page = await api('GET', `/publish/jobs${query(params)}`);
  return page.items || [];
}

/* global __ENV, __VU */
// k6 load test for POST /v1/events (for people who have k6: https://k6.io).
//   PULSE_DEMO_KEY=... npm start -- --no-demo
//   k6 run -e KEY=$PULSE_DEMO_KEY -e URL=http://127.0.0.1:8080 -e BATCH=100 loadtests/ingest.k6.js
// Traffic goes only to the URL given (default loopback).
import http from 'k6/http';
import { check } from 'k6';
import { uuidv4 } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';

export const options = {
  scenarios: {
    heartbeats: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '60s', preAllocatedVUs: 20 },
  },
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<250'] },
};

const url = `${__ENV.URL || 'http://127.0.0.1:8080'}/v1/events`;
const batch = Number(__ENV.BATCH || 100);

export default function () {
  const events = Array.from({ length: batch }, (_, i) => {
    const machineId = `k6-${(__VU * 1000 + i) % 5000}`;
    return {
      id: uuidv4(),
      type: 'machine.heartbeat',
      data: { machineId, hostname: machineId, os: 'Debian 12', cpuPct: Math.random() * 100, memPct: 40, diskPct: 60, uptimeS: 1000, agentVersion: 'k6' },
    };
  });
  const res = http.post(url, JSON.stringify(events), {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${__ENV.KEY}` },
  });
  check(res, { 'accepted': (r) => r.status === 202 });
}

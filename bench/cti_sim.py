#!/usr/bin/env python3
"""A telephone switch for a running server: plays a day of call events (ringing, answered, hangup) at
``POST /api/v1/cti/events``, some pushes retried and some reordered as a real switch's are, so anyone can watch
the hotline desk work (an operator's open intake page shows each call ringing on them).

    .venv/bin/python bench/cti_sim.py BASE_URL TOKEN --agent USERNAME [--agent USERNAME ...]
        [--calls 40] [--speed 60] [--retry 0.1] [--reorder 0.1] [--missed 0.1] [--seed 1]

BASE_URL: the server (``http://127.0.0.1:5000``); TOKEN: an API token of the switch's service account (a service
account with role operator or admin: ``flask users create switch --service --role operator`` then
``flask users token switch``); --agent: the operators the calls ring for (usernames; repeat the option).

A day of ``--calls`` calls over the hotline's working hours (08:30–17:30, busier mid-morning and mid-afternoon),
played ``--speed`` times faster than real time (60: a day in nine minutes; 0: as fast as possible). Each call rings
for 3–25 s, is answered (unless missed: ``--missed`` of them are never answered) and lasts 40 s – 10 min. Of the
pushes, ``--retry`` are sent twice (the second answers ``stored: false``), and ``--reorder`` of the calls have their
hang-up pushed before their answer (the duration still comes out right). ``--times real`` (default) stamps each
push with the moment it is sent, so the calls ring on the operators' pages as they are played; ``simulated`` keeps
the day's own times (real durations, but history: nothing rings). The numbers are invented (mobiles and
长沙 landlines), some calling several times a day. Each push's time ``at`` is the simulated moment; the pushes
are sent in that order, sleeping in between. At the end: what was sent, what the server stored, the answers
it gave (202 expected), and the switch call ids to look for.

Only the standard library: runs anywhere Python does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import random
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

#: Calls per half hour of the working day, relative (a hotline's day: mid-morning and mid-afternoon peaks).
HOUR_WEIGHTS = {8.5: 0.5, 9: 1.0, 9.5: 1.2, 10: 1.3, 10.5: 1.2, 11: 0.9, 11.5: 0.6, 12: 0.2, 12.5: 0.2, 13: 0.3,
                13.5: 0.6, 14: 1.0, 14.5: 1.1, 15: 1.1, 15.5: 1.0, 16: 0.9, 16.5: 0.7, 17: 0.4}
MOBILE_PREFIXES = ("138", "139", "137", "150", "151", "158", "187", "188", "135", "136", "182", "199")


def numbers(rng: random.Random, count: int) -> list[str]:
    """Invented callers: mostly mobiles, some 长沙 landlines."""
    out = []
    for _ in range(count):
        if rng.random() < 0.8:
            out.append(rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8)))
        else:
            out.append("0731-8" + "".join(rng.choice("0123456789") for _ in range(7)))
    return out


def plan_day(rng: random.Random, day: dt.date, calls: int, agents: list[str], *, missed: float,
             reorder: float, retry: float) -> list[tuple[dt.datetime, int, dict]]:
    """The pushes of a day, in the order they are sent: (when, sequence, body)."""
    tz = dt.timezone(dt.timedelta(hours=8))
    slots, weights = zip(*HOUR_WEIGHTS.items(), strict=True)
    callers = numbers(rng, max(3, int(calls * 0.8)))  # some numbers call more than once
    pushes: list[tuple[dt.datetime, int, dict]] = []
    seq = 0
    for i in range(calls):
        slot = rng.choices(slots, weights)[0]
        start = dt.datetime.combine(day, dt.time(int(slot), 30 if slot % 1 else 0), tz) + dt.timedelta(
            seconds=rng.uniform(0, 1800))
        cti_call_id = f"SIM-{day:%Y%m%d}-{i + 1:04d}-{rng.randrange(16**4):04x}"
        agent = rng.choice(agents)
        phone = None if rng.random() < 0.03 else rng.choice(callers)  # a few withhold their number
        ring = rng.uniform(3, 25)
        events = [("ringing", start, {"caller_phone": phone})]
        if rng.random() >= missed:
            answered = start + dt.timedelta(seconds=ring)
            hangup = answered + dt.timedelta(seconds=rng.uniform(40, 600))
            events.append(("answered", answered, {}))
            events.append(("hangup", hangup, {}))
        else:
            events.append(("hangup", start + dt.timedelta(seconds=ring + rng.uniform(0, 10)), {}))
        sent = []
        for event, at, extra in events:
            body = {"event": event, "cti_call_id": cti_call_id, "agent": agent,
                    "at": at.isoformat(timespec="seconds"), **extra}
            sent.append([at, body])
        if len(sent) == 3 and rng.random() < reorder:
            # The hang-up's push overtakes the answer's (sent 1 s before it; each keeps its own time).
            sent[2][0], sent[1][0] = sent[1][0], sent[1][0] + dt.timedelta(seconds=1)
        for when, body in sent:
            pushes.append((when, seq, body))
            seq += 1
            if rng.random() < retry:
                # The switch did not hear the 202 in time and sends it again a moment later.
                pushes.append((when + dt.timedelta(seconds=rng.uniform(0.5, 5)), seq, dict(body)))
                seq += 1
    heapq.heapify(pushes)
    return [heapq.heappop(pushes) for _ in range(len(pushes))]


def post(base: str, token: str, body: dict, timeout: float = 15) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own server, given on the command line
        base.rstrip("/") + "/api/v1/cti/events", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - see above
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (urllib.error.URLError, TimeoutError) as exc:
        return 0, {"error": str(getattr(exc, "reason", exc))}  # 0: no answer (the server is down or too slow)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base_url")
    p.add_argument("token")
    p.add_argument("--agent", action="append", required=True, help="an operator's username (repeatable)")
    p.add_argument("--calls", type=int, default=40)
    p.add_argument("--speed", type=float, default=60.0, help="times faster than real time (0: no waiting)")
    p.add_argument("--retry", type=float, default=0.1, help="share of pushes sent twice")
    p.add_argument("--reorder", type=float, default=0.1, help="share of calls whose hang-up overtakes the answer")
    p.add_argument("--missed", type=float, default=0.1, help="share of calls never answered")
    p.add_argument("--day", type=dt.date.fromisoformat, default=None, help="the day played (default: today)")
    p.add_argument("--times", choices=("real", "simulated"), default="real",
                   help="each push's `at`: the moment it is sent (default: the calls ring on the pages now; "
                        "durations shrink by --speed) or the simulated day's own (durations as planned; a day not "
                        "over yet is played as yesterday's, so nothing rings on the pages)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)

    rng = random.Random(args.seed)
    day = args.day or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    now = dt.datetime.now(dt.UTC)
    pushes = plan_day(rng, day, args.calls, args.agent, missed=args.missed, reorder=args.reorder, retry=args.retry)
    # The server refuses times in the future: a day still to come is played as the one before it, shifted.
    shift = dt.timedelta(0)
    if args.times == "simulated" and pushes and pushes[-1][0] > now:
        shift = pushes[-1][0] - now + dt.timedelta(minutes=1)
        shift = dt.timedelta(days=shift.days + 1)
    print(f"{len(pushes)} pushes for {args.calls} calls on {(pushes[0][0] - shift).date()} "
          f"to {args.base_url}, {args.speed:g}× real time", flush=True)
    statuses: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    wall_start = dt.datetime.now(dt.UTC)
    first = pushes[0][0] if pushes else now
    for when, _seq, body in pushes:
        if args.speed > 0:
            due = (when - first).total_seconds() / args.speed
            delay = due - (time.monotonic() - started)
            if delay > 0:
                time.sleep(delay)
        if args.times == "real":
            # The event's own moment on the played clock (a reordered hang-up keeps its later time).
            own = (dt.datetime.fromisoformat(body["at"]) - first).total_seconds() / (args.speed or 1e9)
            at = (wall_start + dt.timedelta(seconds=own)).astimezone(dt.timezone(dt.timedelta(hours=8)))
        else:
            at = dt.datetime.fromisoformat(body["at"]) - shift
        body = dict(body, at=at.isoformat(timespec="seconds"))
        status, answer = post(args.base_url, args.token, body)
        statuses[status] += 1
        if status == 202:
            outcomes["stored" if answer.get("stored") else "repeat (not stored again)"] += 1
            if not answer.get("agent_known"):
                outcomes["agent unknown to the server"] += 1
        extra = f" duration {answer['duration_seconds']} s" if answer.get("duration_seconds") is not None else ""
        print(f"{body['at'][11:19]} {body['event']:8} {body['cti_call_id']} → {status}"
              f"{'' if status != 202 else (' stored' if answer.get('stored') else ' repeat')}{extra}", flush=True)
    print("answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    print("outcomes: " + ", ".join(f"{k}: {n}" for k, n in outcomes.items()))
    return 0 if set(statuses) <= {202} else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

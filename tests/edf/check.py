"""An EDF+ file as an independent reader sees it, against what it holds.

Reads `save2gdf -JSON` (biosig-tools) of the file and checks the signal
labels and rates, the start and the duration, and that every event the
daemon wrote (its --events) is an annotation with the same text, its
onset and its duration within one sample of the sensor's rate; and that
the file holds no other annotation than those and "No data" ones.
Prints "FAIL: ..." for each mistake and one line of what was checked;
exit status 1 on a mistake.

usage: check.py BIOSIG_JSON EVENTS_JSONL FIRST LAST SIGNAL:RATE...
                [-- SENSOR:ONSET:DURATION...]
FIRST and LAST are the times of the first and last samples, SIGNAL:RATE
the signals expected in order (label and Hz), SENSOR:ONSET:DURATION the
stretches without data expected (seconds from the file's start).
"""
import datetime
import json
import math
import sys

failed = 0


def fail(what):
    global failed
    failed += 1
    print("FAIL: " + what)


args = sys.argv[1:]
with open(args[0]) as f:
    hdr = json.load(f)
events = [json.loads(line) for line in open(args[1]) if line.strip()]
t0 = math.floor(float(args[2]))
last_sample = float(args[3])
rest = args[4:]
gaps = []
if "--" in rest:
    gaps = rest[rest.index("--") + 1:]
    rest = rest[:rest.index("--")]
want = [(s.rsplit(":", 1)[0], float(s.rsplit(":", 1)[1])) for s in rest]

chans = [c for c in hdr["CHANNEL"] if c["Label"] != "EDF Annotations"]
got = [(c["Label"], c["Samplingrate"]) for c in chans]
if [g[0] for g in got] != [w[0] for w in want]:
    fail("labels %s, not %s" % ([g[0] for g in got], [w[0] for w in want]))
for (label, rate), (_, want_rate) in zip(got, want):
    if abs(rate - want_rate) > 1e-6:
        fail("%s at %g Hz, not %g" % (label, rate, want_rate))
rate_of = {}
for label, rate in want:
    name = label.rsplit(" ", 1)[0]
    rate_of[name] = max(rate_of.get(name, 0), rate)
slowest = min(r for n, r in rate_of.items() if r > 1)

# The file starts on the whole second of the first sample (TZ=UTC).
start = hdr["StartOfRecording"]
sec = float(start.split(":")[-1])
if abs(sec - round(sec)) > 0.001:
    fail("starts at %s, not on a whole second" % start)
duration = hdr["NumberOfRecords"]          # 1 s records
last = max([last_sample] + [e["end"] for e in events if "end" in e])
if duration != math.ceil(last - t0 - 1e-9):
    fail("%d s long, not the %.3f s from the first second to the last "
         "sample or event" % (duration, last - t0))

texts = {
    "leg_movement": lambda e: "Leg movement " + e["sensor"],
    "body_movement": lambda e: "Body movement " + e["sensor"],
    "plm_series": lambda e: "PLM series, %d LMs" % e["count"],
    "cramp": lambda e: "Cramp " + e["sensor"],
    "sensor_fault": lambda e: "Sensor fault " + e["sensor"],
    "sensor_ok": lambda e: "Sensor back " + e["sensor"],
    "hydration_reminder": lambda e: "Drink reminder (%s)" % e["reason"],
}
annots = [(a["Description"], a["POS"], a["DUR"]) for a in hdr.get("EVENT", [])]
unused = list(annots)
checked = 0
for e in events:
    if e["event_type"] not in texts:
        continue
    text = texts[e["event_type"]](e)
    tol = 1.0 / rate_of.get(e.get("sensor"), slowest) + 1e-6
    if "start" in e:
        onset = e["start"] - t0
        dur = e["end"] - e["start"]
    else:       # at its time, without a duration
        onset = datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        onset = onset.replace(tzinfo=datetime.timezone.utc).timestamp() - t0
        dur = 0
    match = [a for a in unused if a[0] == text and abs(a[1] - onset) <= tol
             and abs(a[2] - dur) <= tol]
    if not match:
        fail("no annotation %r at %.3f s for %.3f s" % (text, onset, dur))
        continue
    unused.remove(match[0])
    checked += 1
for g in gaps:
    name, onset, dur = g.split(":")
    tol = 1.0 / rate_of.get(name, slowest) + 1e-6
    match = [a for a in unused if a[0] == "No data " + name and
             abs(a[1] - float(onset)) <= tol and abs(a[2] - float(dur)) <= tol]
    if not match:
        fail("no annotation 'No data %s' at %s s for %s s" % (name, onset, dur))
        continue
    unused.remove(match[0])
for a in unused:
    fail("an annotation of no event: %r at %.3f s" % (a[0], a[1]))
print("edf: %d signals, %d s, %d events as annotations, %d gaps" %
      (len(chans), duration, checked, len(gaps)))
sys.exit(1 if failed else 0)

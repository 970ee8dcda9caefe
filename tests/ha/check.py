"""The Home Assistant examples (conf/homeassistant/) against the code.

Run by tests/ha/check.sh, which gives it what the daemon announces (the
output of tests/ha/entities.c).  Every YAML file must parse; every entity
id in the examples must be one legwatchd's MQTT discovery creates; the
dashboard card uses card types it can and gives them what they need; the
blueprint's inputs are declared and used, it listens to an event entity
of MQTT and notifies a mobile_app device, and the event types and event
attributes it reads are ones the daemon sends.

usage: check.py ENTITIES_FILE EXAMPLES_DIR
"""
import json
import os
import re
import sys

import yaml

passed = 0
failed = 0


def check(what, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (what, ": " + why if why else ""))
    return ok


class Input(str):
    """A blueprint's `!input NAME`."""


class Loader(yaml.SafeLoader):
    """Home Assistant's YAML as far as the examples use it."""


Loader.add_constructor(
    "!input", lambda loader, node: Input(loader.construct_scalar(node)))


def strings(node):
    """Every string in a parsed document, keys included."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


def inputs_used(node):
    if isinstance(node, Input):
        yield str(node)
    elif isinstance(node, dict):
        for v in node.values():
            yield from inputs_used(v)
    elif isinstance(node, list):
        for v in node:
            yield from inputs_used(v)


# What the daemon announces.
device = None
entities = {}           # default_entity_id -> state_class or None
event_types = set()
events = {}             # event_type -> its JSON keys
with open(sys.argv[1]) as f:
    for line in f:
        word, _, rest = line.rstrip("\n").partition(" ")
        if word == "device":
            device = rest
        elif word == "entity":
            eid, _, sc = rest.partition(" ")
            entities[eid] = None if sc == "-" else sc
        elif word == "event_type":
            event_types.add(rest)
        elif word == "event":
            ev = json.loads(rest)
            events[ev["event_type"]] = set(ev)
check("the daemon's discovery was listed", device and entities and event_types
      and events, "no device, entities or event types from the helper")

# Home Assistant's rule for an entity id (homeassistant/core.py).
VALID_ID = re.compile(r"^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$")
bad = sorted(e for e in entities if not VALID_ID.match(e))
check("discovery's entity ids are valid in Home Assistant", not bad,
      ", ".join(bad))
# An entity id of the monitor anywhere in a text: <domain>.legwatch_<...>.
ENTITY_REF = re.compile(r"\b([a-z_]+\.legwatch_[a-z0-9_]+)\b")

root = sys.argv[2]
files = []
for d, _, names in os.walk(root):
    files += [os.path.join(d, n) for n in sorted(names)
              if n.endswith((".yaml", ".yml", ".md"))]
files.sort()
check("there are examples", files, "nothing in " + root)


def other_device(eid):
    """Whether eid is an announced entity, but of a device with another id
    (as the README shows it: legwatch_guest_room_plm_tonight)."""
    domain, _, obj = eid.partition(".")
    mine = "legwatch_%s_" % device
    for known in entities:
        kd, _, ko = known.partition(".")
        tail = "_" + ko[len(mine):]
        if kd == domain and obj.endswith(tail) and \
                len(obj) > len("legwatch_") + len(tail):
            return True
    return False


def check_entity_refs(path, texts, others_ok=False):
    seen = set()
    for text in texts:
        for eid in ENTITY_REF.findall(text):
            if eid in seen:
                continue
            seen.add(eid)
            if others_ok and not eid.startswith(
                    "%s.legwatch_%s_" % (eid.partition(".")[0], device)):
                check("%s: %s is an entity the daemon announces, for "
                      "another device" % (path, eid), other_device(eid))
                continue
            check("%s: %s is an entity the daemon announces" % (path, eid),
                  eid in entities, "discovery for device %r announces: %s" %
                  (device, ", ".join(sorted(entities))))
    return seen


# Cards: each type the card uses, with the keys it must have.
CARD_NEEDS = {
    "vertical-stack": ["cards"], "horizontal-stack": ["cards"],
    "grid": ["cards"], "entities": ["entities"], "glance": ["entities"],
    "history-graph": ["entities"], "statistics-graph": ["entities"],
    "gauge": ["entity"], "tile": ["entity"], "entity": ["entity"],
    "sensor": ["entity"], "markdown": ["content"], "logbook": [],
}
ROW_NEEDS = {
    "attribute": ["entity", "attribute"], "button": ["tap_action"],
    "buttons": ["entities"], "divider": [], "section": [],
    "weblink": ["url"], "conditional": ["conditions", "row"],
}
STAT_TYPES = {"min", "max", "mean", "sum", "state", "change"}
# Only sensors with a state_class have long-term statistics.
STAT_CLASSES = {"measurement", "total", "total_increasing"}


def card_problems(card, where):
    if not isinstance(card, dict) or "type" not in card:
        return ["%s: not a card (no type)" % where]
    kind = card["type"]
    where = "%s/%s" % (where, kind)
    if kind not in CARD_NEEDS:
        return ["%s: not a card type this check knows" % where]
    out = ["%s: no %s" % (where, k) for k in CARD_NEEDS[kind]
           if k not in card]
    for i, sub in enumerate(card.get("cards") or []):
        out += card_problems(sub, "%s[%d]" % (where, i))
    for i, row in enumerate(card.get("entities") or []):
        if isinstance(row, str):
            continue
        if not isinstance(row, dict):
            out.append("%s: row %d is neither an id nor a map" % (where, i))
        elif "type" in row and kind == "entities":
            if row["type"] not in ROW_NEEDS:
                out.append("%s: row %d: unknown row type %s" %
                           (where, i, row["type"]))
            out += ["%s: row %d: no %s" % (where, i, k)
                    for k in ROW_NEEDS.get(row["type"], []) if k not in row]
        elif "entity" not in row:
            out.append("%s: row %d has no entity" % (where, i))
    if kind == "statistics-graph":
        if not set(card.get("stat_types", [])) <= STAT_TYPES:
            out.append("%s: stat_types %s" % (where, card["stat_types"]))
        if card.get("period", "day") not in (
                "5minute", "hour", "day", "week", "month"):
            out.append("%s: period %s" % (where, card["period"]))
        if card.get("chart_type", "line") not in ("line", "bar"):
            out.append("%s: chart_type %s" % (where, card["chart_type"]))
        for row in card.get("entities") or []:
            eid = row if isinstance(row, str) else row.get("entity")
            if eid in entities and entities[eid] not in STAT_CLASSES:
                out.append("%s: %s has no state_class, so no statistics" %
                           (where, eid))
    if kind == "gauge" and "severity" in card:
        sev = card["severity"]
        if (not isinstance(sev, dict) or set(sev) != {"green", "yellow", "red"}
                or not all(isinstance(v, (int, float)) for v in sev.values())):
            out.append("%s: severity needs green, yellow and red numbers" %
                       where)
    return out


def check_blueprint(path, doc):
    bp = doc.get("blueprint") if isinstance(doc, dict) else None
    if not check(path + ": has a blueprint section", isinstance(bp, dict)):
        return
    check(path + ": blueprint has a name, domain automation and inputs",
          bp.get("name") and bp.get("domain") == "automation"
          and isinstance(bp.get("input"), dict))
    declared = bp.get("input") or {}
    body = {k: v for k, v in doc.items() if k != "blueprint"}
    used = set(inputs_used(body))
    check(path + ": every !input is declared", used <= set(declared),
          ", ".join(sorted(used - set(declared))))
    check(path + ": every input is used", set(declared) <= used,
          ", ".join(sorted(set(declared) - used)))
    for key in ("triggers", "actions"):
        check(path + ": has " + key, body.get(key))

    def selector(name):
        return (declared.get(name) or {}).get("selector") or {}

    def filters(sel):
        f = sel.get("filter", sel)
        return f if isinstance(f, list) else [f]

    ents = [n for n in declared if "entity" in selector(n)]
    check(path + ": an input picks an MQTT event entity", ents and all(
        any(f.get("domain") == "event" and f.get("integration") == "mqtt"
            for f in filters(selector(n)["entity"] or {})) for n in ents))
    devs = [n for n in declared if "device" in selector(n)]
    check(path + ": an input picks a phone of the mobile_app integration",
          devs and all(any(f.get("integration") == "mobile_app"
                           for f in filters(selector(n)["device"] or {}))
                       for n in devs))
    # The trigger listens to the event entity input.
    trig = body.get("triggers") or []
    trig = trig if isinstance(trig, list) else [trig]
    check(path + ": the trigger is the event entity's state",
          any(t.get("trigger") == "state" and t.get("entity_id") in ents
              for t in trig))
    # The notification goes to the phone input.
    acts = body.get("actions") or []
    acts = acts if isinstance(acts, list) else [acts]
    check(path + ": the action notifies the phone",
          any(a.get("domain") == "mobile_app" and a.get("type") == "notify"
              and a.get("device_id") in devs and a.get("message")
              for a in acts))

    # The event types it compares with: literal ones, and those of an
    # input it compares with (a select's values).
    text = "\n".join(strings(body))
    variables = body.get("variables") or {}
    kinds = set(re.findall(r"\bkind\s*==\s*'([a-z_]+)'", text))
    for var in re.findall(r"\bkind\s*==\s*([a-z_]+)\b", text):
        inp = variables.get(var)
        for opt in ((selector(inp).get("select") or {}).get("options") or []
                    if isinstance(inp, Input) else []):
            kinds.add(opt["value"] if isinstance(opt, dict) else opt)
    check(path + ": it compares with event types", kinds)
    for k in sorted(kinds):
        check("%s: event type %s is one the event entity has" % (path, k),
              k in event_types, "event_types: " + ", ".join(
                  sorted(event_types)))
    keys = set()
    for k in kinds:
        keys |= events.get(k, set())
    for attr in sorted(set(re.findall(r"\battributes\.([a-z_]+)", text))):
        check("%s: attribute %s is in the events it reads (%s)" %
              (path, attr, ", ".join(sorted(kinds))), attr in keys,
              "their keys: " + ", ".join(sorted(keys)))


covered = set()
for path in files:
    rel = os.path.relpath(path, root)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".md"):
        # Prose may show the ids of a device with another id.
        covered |= check_entity_refs(rel, [text], others_ok=True)
        continue
    try:
        doc = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        check(rel + ": parses as YAML", False, str(e).replace("\n", " "))
        continue
    check(rel + ": parses as YAML", doc is not None, "empty")
    covered |= check_entity_refs(rel, strings(doc))
    if rel.split(os.sep)[0] == "blueprints":
        check_blueprint(rel, doc)
    else:
        problems = card_problems(doc, rel)
        check(rel + ": its cards are known types with what they need",
              not problems, "; ".join(problems))

missing = sorted(set(entities) - covered)
if missing:
    print("note: not in any example: " + ", ".join(missing))
print("ha: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

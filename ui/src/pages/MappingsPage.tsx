import { useCallback, useEffect, useRef, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { PageHeader } from "../components/PageHeader";
import { useAction } from "../hooks/useAction";
import { useLoad } from "../hooks/useLoad";
import {
  addLine,
  applyFix,
  automapSuggestions,
  lineFromConnection,
  newLine,
  removeEdges,
  removeLine,
  suggestionKey,
  updateLine,
} from "../logic/mappingModel";
import { requestLeave, setLeaveGuard } from "../router";
import { Tabs } from "../components/Tabs";
import { AddMapping } from "./mappings/AddMapping";
import { Automap } from "./mappings/Automap";
import { api } from "../platform";
import type { MappingEditor, MappingLine, PreviewRecordView, Problem } from "../platform";
import { LineTable } from "./mappings/LineTable";
import { MappingCanvas } from "./mappings/MappingCanvas";
import { PreviewTable } from "./mappings/PreviewTable";
import { RulesTab } from "./rules/RulesTab";
import { Loading } from "../components/Loading";

const TABS = [
  { key: "table", label: "Table" },
  { key: "diagram", label: "Diagram" },
  { key: "rules", label: "Rules" },
] as const;
type View = (typeof TABS)[number]["key"];

function Editor({ editor }: { editor: MappingEditor }) {
  const [lines, setLines] = useState<MappingLine[]>(editor.mapping.fields);
  const [problems, setProblems] = useState<Problem[]>(editor.problems);
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [preview, setPreview] = useState<PreviewRecordView[] | null>(null);
  const [search, setSearch] = useState("");
  const [dirty, setDirty] = useState(false);
  const [adding, setAdding] = useState(false);
  const [view, setView] = useState<View>("table");
  const [rejected, setRejected] = useState<ReadonlySet<string>>(new Set());
  const { busy, error, run } = useAction();
  const appId = editor.app.id;
  const appName = editor.app.systemName;
  const addButton = useRef<HTMLButtonElement>(null);

  // Every change is checked against both sides' fields; problems show on their lines.
  useEffect(() => {
    if (!dirty) return;
    let active = true;
    api
      .checkMapping(appId, editor.appFields, { object: editor.mapping.object, fields: lines })
      .then((found) => active && setProblems(found))
      .catch(() => {});
    return () => {
      active = false;
    };
  }, [appId, editor, lines, dirty]);

  // Unsaved edits are not dropped silently: leaving the page asks first, and so does closing.
  useEffect(() => {
    setLeaveGuard(dirty ? `Your changes to the ${appName} mapping are not saved.` : null);
    const onUnload = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("beforeunload", onUnload);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener("beforeunload", onUnload);
    };
  }, [dirty, appName]);

  const change = (next: MappingLine[]) => {
    setLines(next);
    setDirty(true);
    setPreview(null);
    setNotice(null);
  };
  const add = (ghl: string, app: string, how: string) => {
    const result = addLine(lines, newLine(ghl, app));
    if (!result.added) {
      setNotice(result.reason ?? null);
      return;
    }
    change(result.lines);
    setSelected(result.lines.length - 1);
    setNotice(`Line ${result.lines.length} ${how}: ${ghl} ↔ ${app}.`);
  };
  const suggestions = automapSuggestions(editor.ghlFields, editor.appFieldOptions, lines, rejected);
  const mapping = { object: editor.mapping.object, fields: lines };
  const runPreview = () =>
    void run("preview", async () => setPreview(await api.previewMapping(appId, mapping, search.trim() || null)));

  return (
    <>
      <section className="card" aria-labelledby="lines-heading">
        <h2 id="lines-heading" className="card-title" data-testid="mapping-title">
          GHL ↔ {editor.app.name} <span className="muted">({appName})</span>
        </h2>
        <p className="muted">
          <span data-testid="mapping-line-count">{lines.length}</span> {lines.length === 1 ? "line" : "lines"}
          {dirty ? " · not saved yet" : ""}
        </p>
        <Tabs id="mapping-view" label="Mapping view" tabs={TABS} selected={view} onSelect={setView}>
          {view === "table" ? (
            <>
              <div className="actions">
                <button
                  ref={addButton}
                  type="button"
                  className="button"
                  data-testid="add-mapping-open"
                  aria-expanded={adding}
                  onClick={() => setAdding(!adding)}
                >
                  + Add mapping
                </button>
              </div>
              {adding ? (
                <AddMapping
                  appName={appName}
                  ghlFields={editor.ghlFields}
                  appFields={editor.appFieldOptions}
                  onAdd={(ghl, app) => {
                    add(ghl, app, "added");
                    setAdding(false);
                    addButton.current?.focus();
                  }}
                  onCancel={() => {
                    setAdding(false);
                    addButton.current?.focus();
                  }}
                />
              ) : null}
              <Automap
                suggestions={suggestions}
                onAccept={(s) => add(s.ghl.key, s.app.key, "accepted")}
                onReject={(s) => setRejected(new Set([...rejected, suggestionKey(s.ghl.key, s.app.key)]))}
              />
              {problems.length > 0 ? (
                <p className="inline-problem" data-testid="mapping-problems">
                  {problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix before saving
                  (shown on their lines).
                </p>
              ) : null}
              <LineTable
                appName={appName}
                lines={lines}
                ghlFields={editor.ghlFields}
                problems={problems}
                selected={selected}
                onSelect={setSelected}
                onChange={(index, patch) => change(updateLine(lines, index, patch))}
                onRemove={(index) => {
                  change(removeLine(lines, index));
                  setSelected(null);
                }}
                onFix={(index, fix) => change(applyFix(lines, index, fix))}
              />
            </>
          ) : view === "diagram" ? (
            <>
              <p className="muted">
                Drag from a GHL field (left) to a {appName} field (right) to draw a line; the table
                does the same by keyboard.
              </p>
              <MappingCanvas
                ghlFields={editor.ghlFields}
                appFields={editor.appFields}
                lines={lines}
                problems={problems}
                selected={selected}
                onConnect={(connection) => {
                  const line = lineFromConnection(connection);
                  if (!line) {
                    setNotice("A line joins a GHL field to an app field.");
                    return;
                  }
                  add(line.ghl, line.app, "drawn");
                }}
                onSelect={setSelected}
                onRemove={(ids) => change(removeEdges(lines, ids))}
              />
            </>
          ) : (
            <RulesTab appId={appId} />
          )}
        </Tabs>
        {notice ? (
          <p className="notice" role="status" data-testid="mapping-notice">
            {notice}
          </p>
        ) : null}
        {error ? <ErrorBox title="The mapping was not saved." error={error} /> : null}
        <div className="actions">
          <label className="field inline">
            <span>Preview contacts</span>
            <input
              type="search"
              className="search"
              placeholder="Name or email (empty: the first five)"
              value={search}
              data-testid="preview-search"
              onChange={(e) => setSearch(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") runPreview();
              }}
            />
          </label>
          <button
            type="button"
            className="button"
            data-testid="mapping-preview-button"
            disabled={busy !== null}
            onClick={runPreview}
          >
            Preview
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="mapping-save"
            disabled={busy !== null || problems.length > 0}
            onClick={() =>
              void run("save", async () => {
                const saved = await api.saveMapping(appId, mapping);
                setLines(saved.fields);
                setDirty(false);
                setNotice(`Saved ${saved.fields.length} lines. The next sync reads every record again.`);
              })
            }
          >
            {busy === "save" ? "Saving…" : "Save mapping"}
          </button>
        </div>
      </section>
      {preview ? (
        <section className="card" aria-labelledby="preview-heading">
          <h2 id="preview-heading" className="card-title">
            Preview
          </h2>
          <PreviewTable records={preview} lines={lines} appName={appName} />
        </section>
      ) : null}
    </>
  );
}

export function MappingsPage() {
  const loadApps = useCallback(() => api.listMappingApps(), []);
  const [apps] = useLoad(loadApps);
  const [appId, setAppId] = useState<string | null>(null);
  const chosen = appId ?? (apps.status === "ready" ? (apps.data[0]?.id ?? null) : null);
  const loadEditor = useCallback(
    () => (chosen ? api.mappingEditor(chosen) : Promise.resolve(null)),
    [chosen],
  );
  const [editor] = useLoad(loadEditor);

  return (
    <>
      <PageHeader title="Mappings">
        How the fields of a GHL contact line up with the fields in each app.
      </PageHeader>
      {apps.status === "failed" ? <ErrorBox title="The apps could not be read." error={apps.error} /> : null}
      {apps.status === "ready" && apps.data.length === 0 ? (
        <section className="card">
          <p>Connect GHL and an app (Novi AMS, Ninox, Connectif, NiftyImages, Nifty) on the Connections page first.</p>
        </section>
      ) : null}
      {apps.status === "ready" && apps.data.length > 0 ? (
        <div className="toolbar">
          <label className="field inline">
            <span>App</span>
            <select
              data-testid="mapping-app"
              value={chosen ?? ""}
              onChange={(e) => {
                const next = e.target.value;
                requestLeave(() => setAppId(next));
              }}
            >
              {apps.data.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.systemName})
                </option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      {editor.status === "loading" && chosen ? (
        <Loading>Reading both sides&apos; fields…</Loading>
      ) : null}
      {editor.status === "failed" ? (
        <ErrorBox title="The mapping could not be loaded." error={editor.error} />
      ) : null}
      {editor.status === "ready" && editor.data ? <Editor key={editor.data.app.id} editor={editor.data} /> : null}
    </>
  );
}

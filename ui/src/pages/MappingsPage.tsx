import { useCallback, useEffect, useState } from "react";
import { ErrorBox } from "../components/ErrorBox";
import { PageHeader } from "../components/PageHeader";
import { useAction } from "../hooks/useAction";
import { useLoad } from "../hooks/useLoad";
import { addLine, lineFromConnection, removeEdges, removeLine, updateLine } from "../logic/mappingModel";
import { api } from "../platform";
import type { MappingEditor, MappingLine, PreviewRecordView, Problem } from "../platform";
import { LineTable } from "./mappings/LineTable";
import { MappingCanvas } from "./mappings/MappingCanvas";
import { PreviewTable } from "./mappings/PreviewTable";
import { Loading } from "../components/Loading";

function Editor({ editor }: { editor: MappingEditor }) {
  const [lines, setLines] = useState<MappingLine[]>(editor.mapping.fields);
  const [problems, setProblems] = useState<Problem[]>(editor.problems);
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [preview, setPreview] = useState<PreviewRecordView[] | null>(null);
  const [dirty, setDirty] = useState(false);
  const { busy, error, run } = useAction();
  const appId = editor.app.id;

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

  const change = (next: MappingLine[]) => {
    setLines(next);
    setDirty(true);
    setPreview(null);
    setNotice(null);
  };
  const mapping = { object: editor.mapping.object, fields: lines };

  return (
    <>
      <section className="card" aria-labelledby="canvas-heading">
        <h2 id="canvas-heading" className="card-title" data-testid="mapping-title">
          GoHighLevel ↔ {editor.app.name}
        </h2>
        <p className="muted">
          Drag from a GoHighLevel field (left) to a {editor.app.systemName} field (right) to draw a
          line. Select a line to change its direction, owner and transforms below.
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
              setNotice("A line joins a GoHighLevel field to an app field.");
              return;
            }
            const result = addLine(lines, line);
            if (!result.added) {
              setNotice(result.reason ?? null);
              return;
            }
            change(result.lines);
            setSelected(result.lines.length - 1);
            setNotice(`Line ${result.lines.length} drawn: ${line.ghl} ↔ ${line.app}.`);
          }}
          onSelect={setSelected}
          onRemove={(ids) => change(removeEdges(lines, ids))}
        />
        {notice ? (
          <p className="notice" role="status" data-testid="mapping-notice">
            {notice}
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="lines-heading">
        <h2 id="lines-heading" className="card-title">
          Lines <span className="muted" data-testid="mapping-line-count">{lines.length}</span>
        </h2>
        {problems.length > 0 ? (
          <p className="inline-problem" data-testid="mapping-problems">
            {problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix before saving
            (shown on their lines).
          </p>
        ) : null}
        <LineTable
          lines={lines}
          problems={problems}
          selected={selected}
          onSelect={setSelected}
          onChange={(index, patch) => change(updateLine(lines, index, patch))}
          onRemove={(index) => {
            change(removeLine(lines, index));
            setSelected(null);
          }}
        />
        {error ? <ErrorBox title="The mapping was not saved." error={error} /> : null}
        <div className="actions">
          <button
            type="button"
            className="button"
            data-testid="mapping-preview-button"
            disabled={busy !== null}
            onClick={() =>
              void run("preview", async () => setPreview(await api.previewMapping(appId, mapping)))
            }
          >
            Preview with five contacts
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
          <PreviewTable records={preview} lines={lines} />
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
        How the fields of a GoHighLevel contact line up with the fields in each app.
      </PageHeader>
      {apps.status === "failed" ? <ErrorBox title="The apps could not be read." error={apps.error} /> : null}
      {apps.status === "ready" && apps.data.length === 0 ? (
        <section className="card">
          <p>Connect GoHighLevel and an app (Novi AMS, Ninox) on the Connections page first.</p>
        </section>
      ) : null}
      {apps.status === "ready" && apps.data.length > 0 ? (
        <div className="toolbar">
          <label className="field inline">
            <span>App</span>
            <select
              data-testid="mapping-app"
              value={chosen ?? ""}
              onChange={(e) => setAppId(e.target.value)}
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

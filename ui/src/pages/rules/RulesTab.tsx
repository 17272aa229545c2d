import { useCallback, useState } from "react";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { useAction } from "../../hooks/useAction";
import { useLoad } from "../../hooks/useLoad";
import { api } from "../../platform";
import type { RuleDto } from "../../platform";

/**
 * The Rules tab of a pair: its switchable workflows (welcome note and starter tasks, summary
 * note, tag groups, follow-up tasks from engagements), each off until switched on. Their
 * writes show in the Sync page's plan as "by rule: …" (tag groups: as the contacts' tag
 * changes). Settings are JSON in the rule's terms; the engine checks them and names what it
 * refuses, and refuses a rule the pair's app cannot run (saying why).
 */

/** What each rule's settings hold, with an example, for the rules whose terms are not obvious. */
const SETTINGS_HELP: Record<string, string> = {
  welcome: 'Starter tasks and the note: {"starterTasks":[{"title":"Introductory call","dueInDays":2}],"note":"Welcome, {firstName}!"}',
  tag_groups: 'Each GHL tag and the app group it is: {"groups":{"gold":"VIP Members"}}',
  follow_up:
    'Which engagements (open, click, custom events by name) and when the task is due: {"kinds":["click"],"customEvents":["webinar-attended"],"dueInDays":1}',
};
export function RulesTab({ appId }: { appId: string }) {
  const load = useCallback(() => api.listRules(appId), [appId]);
  const [rules, reload] = useLoad(load);
  if (rules.status === "loading") return <Loading>Loading the rules…</Loading>;
  if (rules.status === "failed") return <ErrorBox title="The rules could not be read." error={rules.error} />;
  return (
    <ul className="rule-list" data-testid="rule-list">
      {rules.data.map((rule) => (
        <Rule key={rule.name} appId={appId} rule={rule} onChanged={reload} />
      ))}
    </ul>
  );
}

function Rule({ appId, rule, onChanged }: { appId: string; rule: RuleDto; onChanged: () => void }) {
  const [settings, setSettings] = useState(rule.settings);
  const { busy, error, run } = useAction();
  const headingId = `rule-${rule.name}-heading`;
  const settingsId = `rule-${rule.name}-settings`;

  async function toggle(on: boolean) {
    if (await run("switch", () => api.switchRule(appId, rule.name, on))) onChanged();
  }

  async function save() {
    if (await run("save", () => api.setRule(appId, rule.name, settings))) onChanged();
  }

  return (
    <li className="card rule" data-testid={`rule-${rule.name}`} aria-labelledby={headingId}>
      <h3 id={headingId} className="card-title">
        {rule.label}
      </h3>
      <p className="muted">
        {rule.description}.{" "}
        {rule.name === "tag_groups"
          ? "Its writes show in the plan as the contacts’ tag changes."
          : `Its writes show in the plan as “by rule: ${rule.label}”.`}
      </p>
      <label className="field inline">
        <input
          type="checkbox"
          checked={rule.enabled}
          disabled={busy !== null}
          onChange={(e) => void toggle(e.target.checked)}
          data-testid={`rule-${rule.name}-switch`}
        />
        <span>{rule.enabled ? `On since ${rule.enabledAt ?? "now"}` : "Off"}</span>
      </label>
      <label className="field" htmlFor={settingsId}>
        <span>Settings (JSON)</span>
      </label>
      {SETTINGS_HELP[rule.name] ? (
        <p className="muted" id={`${settingsId}-help`} data-testid={`rule-${rule.name}-help`}>
          {SETTINGS_HELP[rule.name]}
        </p>
      ) : null}
      <textarea
        id={settingsId}
        rows={6}
        spellCheck={false}
        value={settings}
        onChange={(e) => setSettings(e.target.value)}
        aria-describedby={SETTINGS_HELP[rule.name] ? `${settingsId}-help` : undefined}
        data-testid={`rule-${rule.name}-settings`}
      />
      <div className="actions">
        <button
          type="button"
          disabled={busy !== null || settings === rule.settings}
          onClick={() => void save()}
          data-testid={`rule-${rule.name}-save`}
        >
          {busy === "save" ? "Saving…" : "Save settings"}
        </button>
      </div>
      {error ? <ErrorBox title={`The ${rule.label} rule was not changed.`} error={error} /> : null}
    </li>
  );
}

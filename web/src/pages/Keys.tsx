// Keys (issue 11, item 5): the panel that shows a key made in this browser
// for a colleague to approve, and the company's Keys page: its keys, the
// approval of a colleague's new key, revocation.

import { useEffect, useState } from "preact/hooks";
import { ApiProblem, del, get, post } from "../api";
import { createBrowserKey, qrPath } from "../enrol";
import { describe } from "../errors";
import { Field, problemsOf, type Problems } from "../fields";
import { dateTime } from "../format";
import { isMessageKey, t } from "../i18n";
import { keyIdOf, KeyError, type DeviceKey } from "../keys";
import { PageTitle, TITLE_ID } from "../title";
import type { KeyView, Party } from "../types";

/** Words for a refused key change: the server's code when we know it, else its detail. */
function keyError(error: unknown): string {
  if (error instanceof KeyError) return t(`signin.error.${error.code}`);
  if (error instanceof ApiProblem) {
    const key = `keys.error.${error.code}`;
    if (isMessageKey(key)) return t(key);
  }
  return describe(error);
}

function QrCode(props: { text: string; label: string }) {
  const { size, path } = qrPath(props.text);
  return (
    <svg class="qr" role="img" aria-label={props.label} viewBox={`0 0 ${size} ${size}`} width={size * 5} height={size * 5}>
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" shape-rendering="crispEdges" />
    </svg>
  );
}

/** The button on the sign-in page, and what it made: the key to approve, as text and QR code. */
export function CreateKey(props: { onCreated: (key: DeviceKey) => void }) {
  const [created, setCreated] = useState<DeviceKey | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function create() {
    setBusy(true);
    setError(undefined);
    try {
      const key = await createBrowserKey();
      setCreated(key);
      props.onCreated(key);
    } catch (e) {
      setError(keyError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="stack">
      <div>
        <button type="button" onClick={create} disabled={busy}>
          {t("keys.create")}
        </button>
      </div>
      <div role="alert" class="error" hidden={!error}>
        {error}
      </div>
      {created && (
        <section class="enrol" aria-labelledby="enrol-title">
          <h2 id="enrol-title">{t("keys.created.title")}</h2>
          <p>{t("keys.created.intro")}</p>
          <dl class="facts">
            <dt>{t("keys.publicKey")}</dt>
            <dd>
              <code data-testid="new-public-key">{created.publicKey}</code>
            </dd>
            <dt>{t("keys.keyId")}</dt>
            <dd>
              <code data-testid="new-key-id">{created.keyId}</code>
            </dd>
          </dl>
          <QrCode text={created.publicKey} label={t("keys.qr", { keyId: created.keyId })} />
        </section>
      )}
    </div>
  );
}

/** A key as `GET /v1/parties/{id}/keys` gives it (KeyView with its times). */
interface PartyKey extends KeyView {
  registered_at: string;
  revoked_at?: string;
}

const keysPath = (party: Party) => `/v1/parties/${encodeURIComponent(party.id)}/keys`;

/** The company's Keys page. */
export function Keys(props: { party: Party }) {
  const [keys, setKeys] = useState<PartyKey[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [publicKey, setPublicKey] = useState("");
  const [label, setLabel] = useState("");
  const [pastedId, setPastedId] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems>({});

  async function load() {
    try {
      setKeys(await get<PartyKey[]>(keysPath(props.party)));
      setLoadError(undefined);
    } catch (e) {
      setLoadError(keyError(e));
    }
  }
  useEffect(() => void load(), [props.party.id]);
  useEffect(() => {
    const text = publicKey.trim();
    if (/^[A-Za-z0-9_-]{43}$/.test(text)) void keyIdOf(text).then(setPastedId);
    else setPastedId(undefined);
  }, [publicKey]);

  async function change(run: () => Promise<unknown>, success: string) {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    setProblems({});
    try {
      await run();
      setDone(success);
      await load();
      return true;
    } catch (e) {
      const found = problemsOf(e, (path) => path === "public_key" || path === "label");
      setProblems(found.fields);
      setError(Object.keys(found.fields).length ? found.summary : keyError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function approve(event: Event) {
    event.preventDefault();
    const text = publicKey.trim();
    const id = pastedId ?? "";
    const ok = await change(
      () => post(keysPath(props.party), { public_key: text, label: label.trim() || t("keys.defaultLabel") }),
      t("keys.approved", { keyId: id }),
    );
    if (ok) {
      setPublicKey("");
      setLabel("");
    }
  }

  function revoke(key: PartyKey) {
    void change(
      () => del(`${keysPath(props.party)}/${encodeURIComponent(key.key_id)}`),
      t("keys.revoked", { keyId: key.key_id }),
    );
  }

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("keys.title")}</PageTitle>
      <p>{t("keys.intro")}</p>
      <div role="status">{done}</div>
      <div role="alert" class="error" hidden={!error}>
        {error}
      </div>
      {loadError && <p class="error">{loadError}</p>}
      {keys && (
        <table class="keys">
          <caption>{t("keys.listCaption", { name: props.party.name })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("keys.keyId")}</th>
              <th scope="col">{t("keys.label")}</th>
              <th scope="col">{t("keys.state")}</th>
              <th scope="col">{t("keys.registeredAt")}</th>
              <th scope="col">
                {t("keys.actions")}
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.key_id}>
                <td>
                  <code>{key.key_id}</code>
                </td>
                <td>{key.label}</td>
                <td>
                  {key.active
                    ? t("keys.active")
                    : t("keys.revokedAt", { at: key.revoked_at ? dateTime(key.revoked_at) : "" })}
                </td>
                <td>{dateTime(key.registered_at)}</td>
                <td>
                  {key.active && (
                    <button type="button" disabled={busy} onClick={() => revoke(key)} aria-label={t("keys.revokeKey", { keyId: key.key_id })}>
                      {t("keys.revoke")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={approve} class="stack" noValidate>
        <fieldset>
          <legend>{t("keys.approveTitle")}</legend>
          <p class="hint">{t("keys.approveHint")}</p>
          <Field
            form="approve"
            path="public_key"
            label={t("keys.publicKey")}
            value={publicKey}
            onInput={setPublicKey}
            problems={problems}
            hint={pastedId ? t("keys.pastedId", { keyId: pastedId }) : t("keys.pasteHint")}
          />
          <Field form="approve" path="label" label={t("keys.label")} value={label} onInput={setLabel} problems={problems} />
          <div>
            <button type="submit" disabled={busy}>
              {t("keys.approve")}
            </button>
          </div>
        </fieldset>
      </form>
    </section>
  );
}

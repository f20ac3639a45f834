// The roadside QR check: paste the verification link (`…/v1/verify/{token}`)
// or scan the code with the device camera (the browser's BarcodeDetector
// where it exists, otherwise jsQR on the camera's frames), then ask this
// service's `GET /v1/verify/{token}` and state the verdict as the roadside
// page does: the headline, whether the checks passed, and the facts.

import jsQR from "jsqr";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem } from "../api";
import { describe } from "../errors";
import { calendarDate, dateTime, decimal } from "../format";
import { isMessageKey, t } from "../i18n";
import { PageTitle, TITLE_ID } from "../title";
import { roadsideCheck, verifyToken } from "./api";
import type { RoadsideView } from "./types";

type Check = { state: "idle" } | { state: "checking" } | { state: "done"; view: RoadsideView } | { state: "failed"; message: string };

export function QrCheck() {
  const [check, setCheck] = useState<Check>({ state: "idle" });
  const [link, setLink] = useState("");
  const [scanning, setScanning] = useState(false);

  async function run(text: string) {
    const token = verifyToken(text);
    if (!token) {
      setCheck({ state: "failed", message: t("inspect.qr.notALink") });
      return;
    }
    setCheck({ state: "checking" });
    try {
      setCheck({ state: "done", view: await roadsideCheck(token) });
    } catch (e) {
      const message = e instanceof ApiProblem && e.status === 404 ? t("inspect.qr.unknown") : describe(e);
      setCheck({ state: "failed", message });
    }
  }

  return (
    <section aria-labelledby={TITLE_ID}>
      <PageTitle>{t("inspect.qr.title")}</PageTitle>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void run(link);
        }}
      >
        <div class="field">
          <label for="qr-link">{t("inspect.qr.link")}</label>
          <input id="qr-link" value={link} onInput={(e) => setLink(e.currentTarget.value)} aria-describedby="qr-link-hint" />
          <p id="qr-link-hint" class="hint">
            {t("inspect.qr.linkHint")}
          </p>
        </div>
        <p>
          <button type="submit">{t("inspect.qr.check")}</button>{" "}
          <button type="button" onClick={() => setScanning((s) => !s)} aria-pressed={scanning}>
            {scanning ? t("inspect.qr.stopCamera") : t("inspect.qr.camera")}
          </button>
        </p>
      </form>
      {scanning && (
        <Camera
          onCode={(text) => {
            setScanning(false);
            setLink(text);
            void run(text);
          }}
          onFailure={(message) => {
            setScanning(false);
            setCheck({ state: "failed", message });
          }}
        />
      )}
      <div aria-live="polite">
        {check.state === "checking" && <p role="status">{t("common.loading")}</p>}
        {check.state === "failed" && (
          <p role="alert" class="error">
            {check.message}
          </p>
        )}
        {check.state === "done" && <Verdict view={check.view} />}
      </div>
    </section>
  );
}

function statusWord(status: string): string {
  const key = `status.${status}`;
  return isMessageKey(key) ? t(key) : status;
}

/**
 * The verdict's headline in the interface's language, from the facts the
 * service decided (`authentic`, the current status): the same words as the
 * service's `verdict` in English, which stays the fallback.
 */
function headline(view: RoadsideView): string {
  const key = view.authentic ? `inspect.qr.verdict.${view.waybill.status}` : "inspect.qr.verdict.notAuthentic";
  return isMessageKey(key) ? t(key) : view.verdict;
}

function Verdict({ view }: { view: RoadsideView }) {
  const problems = view.checks.problems ?? [];
  const party = (p: RoadsideView["consignor"]) => `${p.name} (${p.reg_no}, ${p.country})`;
  return (
    <article class="verdict" aria-labelledby="verdict-title">
      <h2 id="verdict-title" class={view.valid_for_transport ? "ok" : "bad"}>
        {view.valid_for_transport ? "✔" : "✘"} {headline(view)}
      </h2>
      <p>{view.authentic ? t("inspect.qr.authentic") : t("inspect.qr.notAuthentic")}</p>
      {problems.length > 0 && (
        <ul>
          {problems.map((p) => (
            <li>{p}</li>
          ))}
        </ul>
      )}
      <h3>{t("inspect.qr.waybill", { number: view.waybill.number })}</h3>
      <dl class="facts">
        <dt>{t("waybill.status")}</dt>
        <dd>{statusWord(view.waybill.status)}</dd>
        <dt>{t("waybill.issueDate")}</dt>
        <dd>{calendarDate(view.waybill.issue_date)}</dd>
        <dt>{t("role.consignor")}</dt>
        <dd>{party(view.consignor)}</dd>
        <dt>{t("role.carrier")}</dt>
        <dd>{party(view.carrier)}</dd>
        <dt>{t("role.consignee")}</dt>
        <dd>{party(view.consignee)}</dd>
        <dt>{t("inspect.qr.vehicle")}</dt>
        <dd>
          <span class="plate">
            {view.transport.vehicle_plate}
            {view.transport.trailer_plate && ` + ${view.transport.trailer_plate}`}
          </span>{" "}
          ({view.transport.vehicle_country})
        </dd>
        <dt>{t("waybill.goods")}</dt>
        <dd>
          {t("inspect.qr.goods", { lines: view.goods.lines, weight: decimal(view.goods.gross_weight_kg) })}
          {view.goods.excise && `, ${t("inspect.qr.excise")}`}
        </dd>
      </dl>
      <p class="hint">{t("inspect.qr.checkedAt", { at: dateTime(view.verified_at) })}</p>
    </article>
  );
}

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type DetectorClass = new (options: { formats: string[] }) => Detector;

/** The browser's QR detector, where it has one. */
function nativeDetector(): Detector | undefined {
  const Native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  return Native ? new Native({ formats: ["qr_code"] }) : undefined;
}

/** The camera's picture and a scan of its frames until a code is read. */
function Camera(props: { onCode: (text: string) => void; onFailure: (message: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let stream: MediaStream | undefined;
    let stopped = false;
    const canvas = document.createElement("canvas");
    const detector = nativeDetector();

    async function frame(): Promise<string | undefined> {
      const v = video.current;
      if (!v || v.readyState < 2) return undefined;
      if (detector) return (await detector.detect(v))[0]?.rawValue;
      canvas.width = v.videoWidth;
      canvas.height = v.videoHeight;
      const context = canvas.getContext("2d", { willReadFrequently: true });
      if (!context) return undefined;
      context.drawImage(v, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      return jsQR(image.data, image.width, image.height)?.data;
    }

    async function scan() {
      if (stopped) return;
      try {
        const text = await frame();
        if (text) return props.onCode(text);
      } catch {
        // A frame that could not be read; the next one may be.
      }
      setTimeout(() => void scan(), 250);
    }

    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(async (s) => {
        stream = s;
        if (stopped || !video.current) return s.getTracks().forEach((track) => track.stop());
        video.current.srcObject = s;
        await video.current.play();
        void scan();
      })
      .catch(() => props.onFailure(t("inspect.qr.noCamera")));
    return () => {
      stopped = true;
      stream?.getTracks().forEach((track) => track.stop());
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return <video ref={video} class="camera" muted playsInline aria-label={t("inspect.qr.cameraView")} />;
}

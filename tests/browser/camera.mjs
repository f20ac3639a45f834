// The inspector's camera scan, with a camera Chromium fakes from a video
// file: the brewery's roadside QR code (its PNG from the API) is drawn on a
// white 640x480 frame and written as a Y4M video; a Chromium started with
// `--use-file-for-fake-video-capture` shows it to the QR check page as its
// camera. Chromium on Linux has no BarcodeDetector, so this reads the code
// with the jsQR fallback, as Firefox would. The verdict must be the one the
// pasted link gives. Screenshot: target/screenshots/qr-camera.png.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { api, login } from "./inspect.mjs";

const WIDTH = 640;
const HEIGHT = 480;

/** Grey levels (0-255) of a PNG, decoded by the browser itself. */
async function greyPixels(browser, png) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pixels = await page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const rgba = context.getImageData(0, 0, image.width, image.height).data;
    const grey = [];
    for (let i = 0; i < rgba.length; i += 4) grey.push(Math.round((rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3));
    return { width: image.width, height: image.height, grey };
  }, png.toString("base64"));
  await context.close();
  return pixels;
}

/** One still frame as a YUV 4:2:0 Y4M video: the code scaled to fit, centred on white. */
function y4m({ width, height, grey }) {
  const scale = Math.max(1, Math.floor((Math.min(WIDTH, HEIGHT) * 0.9) / Math.max(width, height)));
  const left = Math.floor((WIDTH - width * scale) / 2);
  const top = Math.floor((HEIGHT - height * scale) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 235);
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const value = grey[Math.floor(y / scale) * width + Math.floor(x / scale)];
      luma[(top + y) * WIDTH + left + x] = 16 + Math.round((value * 219) / 255);
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  return Buffer.concat([header, luma, chroma]);
}

export async function cameraTests({ chromium, chromiumPath, base, root, work, binary, shots, check, watchedPage, signIn, problems }) {
  const brewery = login(binary, base, join(root, "fixtures/keys/test-only-brewery.seed"));
  const page1 = await api(base, brewery, "GET", "/v1/waybills?role=consignor&limit=1");
  const id = page1.items[0].id;
  const qr = await api(base, brewery, "GET", `/v1/waybills/${id}/qr?format=json`);
  const png = Buffer.from(
    await (await fetch(`${base}/v1/waybills/${id}/qr?format=png`, { headers: { Authorization: `Bearer ${brewery}`, Accept: "image/png" } })).arrayBuffer(),
  );
  const roadside = await (await fetch(qr.verify_url.replace(/^https?:\/\/[^/]+/, base), { headers: { Accept: "application/json" } })).json();

  const video = join(work, "qr-camera.y4m");
  const scratch = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  try {
    await writeFile(video, y4m(await greyPixels(scratch, png)));
  } finally {
    await scratch.close();
  }

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 }, permissions: ["camera"] });
    const page = await watchedPage(context, problems);
    await signIn(page, base, join(root, "fixtures/keys/test-only-police.seed"));
    await page.getByRole("link", { name: "QR check" }).click();
    check(await page.evaluate(() => "BarcodeDetector" in globalThis) === false, "no BarcodeDetector here: the scan uses jsQR");
    await page.getByRole("button", { name: "Scan with the camera" }).click();
    await page.getByRole("heading", { level: 2, name: roadside.verdict }).waitFor({ timeout: 30_000 });
    check(true, `the camera scan of the QR code gives the roadside verdict: ${roadside.verdict}`);
    await page.screenshot({ path: join(shots, "qr-camera.png"), fullPage: true });
    await context.close();
  } finally {
    await browser.close();
  }
}

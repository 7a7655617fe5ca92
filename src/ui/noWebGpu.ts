// noWebGpu.ts: what the page says when it has no WebGPU, by cause. Pure (unit-tested); the
// engine hook and any banner read the browser's state and pass it in.

export interface WebGpuSupport {
  /** 'gpu' in navigator */
  hasWebGpu: boolean;
  /** window.isSecureContext */
  isSecureContext: boolean;
  /** location.href: names the page in the message */
  href: string;
}

/**
 * null when WebGPU is there. navigator.gpu exists only in a secure context (https, or
 * localhost/127.0.0.1), so a page served over plain http to another machine lacks it in every
 * browser: that cause, and its fix, come first and apart from a browser that lacks WebGPU.
 */
export function noWebGpuMessage({ hasWebGpu, isSecureContext, href, hasAdapter = true }: WebGpuSupport & { hasAdapter?: boolean }): string | null {
  if (hasWebGpu && hasAdapter) return null;
  if (!isSecureContext) {
    let url: URL | null = null;
    try {
      url = new URL(href);
    } catch {
      /* a malformed href only loses the details below */
    }
    const port = url?.port || '80';
    const local = `http://localhost${url?.port ? `:${url.port}` : ''}${url?.pathname ?? '/'}`;
    return `WebGPU is turned off on this page because it is not a secure context: it was opened over plain http${url ? ` from ${url.host}` : ''}, ` +
      'and browsers give WebGPU only to https pages and to localhost. ' +
      `Open it as ${local} on the machine that serves it (from another machine, forward the port first: ssh -L ${port}:localhost:${port} that-machine), ` +
      'or serve the site over https.';
  }
  if (hasWebGpu) {
    return 'This browser has WebGPU but gave the page no GPU adapter (WebGPU may be switched off, or no driver supports it). ' +
      'In Chrome or Edge check chrome://gpu and chrome://flags/#enable-unsafe-webgpu; on Linux start Chromium with ' +
      '--enable-unsafe-webgpu --enable-features=Vulkan. The gallery and run files still open, view only.';
  }
  return 'This browser has no WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge; ' +
    'on Linux start Chromium with --enable-unsafe-webgpu --enable-features=Vulkan. The gallery and run files still open, view only.';
}

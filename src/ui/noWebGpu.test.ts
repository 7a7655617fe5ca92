import { describe, expect, it } from 'vitest';
import { noWebGpuMessage } from './noWebGpu.ts';

describe('the no-WebGPU message', () => {
  it('is null when WebGPU is there', () => {
    expect(noWebGpuMessage({ hasWebGpu: true, isSecureContext: true, href: 'http://localhost:5173/' })).toBeNull();
  });

  it('names an insecure page (plain http from another machine) as the cause, with the fixes', () => {
    const m = noWebGpuMessage({ hasWebGpu: false, isSecureContext: false, href: 'http://192.168.1.20:5173/?v=2&p=teaching' })!;
    expect(m).toMatch(/^WebGPU is turned off on this page because it is not a secure context: it was opened over plain http from 192\.168\.1\.20:5173/);
    expect(m).toContain('Open it as http://localhost:5173/ on the machine that serves it');
    expect(m).toContain('ssh -L 5173:localhost:5173 that-machine');
    expect(m).toContain('or serve the site over https');
    expect(m).not.toContain('navigator.gpu is missing'); // not blamed on the browser
    const onPort80 = noWebGpuMessage({ hasWebGpu: false, isSecureContext: false, href: 'http://lab.example/nitp-lab/' })!;
    expect(onPort80).toContain('Open it as http://localhost/nitp-lab/');
    expect(onPort80).toContain('ssh -L 80:localhost:80');
  });

  it('blames the browser when the page is secure but has no navigator.gpu', () => {
    const m = noWebGpuMessage({ hasWebGpu: false, isSecureContext: true, href: 'https://someone.github.io/nitp-lab/' })!;
    expect(m).toMatch(/^This browser has no WebGPU \(navigator\.gpu is missing\)\. Use a recent Chrome or Edge/);
    expect(m).toContain('--enable-unsafe-webgpu');
    expect(m).not.toContain('secure context');
  });
});

describe('a browser with WebGPU but no adapter', () => {
  it('is told so, apart from a browser without WebGPU, and that runs still open', () => {
    const m = noWebGpuMessage({ hasWebGpu: true, hasAdapter: false, isSecureContext: true, href: 'http://localhost:5173/' })!;
    expect(m).toMatch(/has WebGPU but gave the page no GPU adapter/);
    expect(m).toMatch(/gallery and run files still open, view only/);
    expect(noWebGpuMessage({ hasWebGpu: true, hasAdapter: true, isSecureContext: true, href: 'http://localhost:5173/' })).toBeNull();
  });
});

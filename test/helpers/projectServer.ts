import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ProjectDb } from '../../src/core/db/projectDb';
import { importFolder } from '../../src/core/project/importFolder';
import { startServer, type RunningServer } from '../../src/server/server';
import { rawRequest, type RawResponse } from './rawHttp';
import { demoPhotos } from './paths';

export interface ProjectServer {
  project: ProjectDb;
  server: RunningServer;
  projectFile: string;
  /** The server's own origin (`http://127.0.0.1:PORT`). */
  origin: string;
  /** Cookie header of a logged-in page. */
  cookie: string;
  /** An API call as the server's own page makes it. */
  call(method: string, body: unknown): Promise<RawResponse>;
  /** Everything a user could see change: classes, images, boxes. */
  snapshot(): string;
  close(): Promise<void>;
}

/** A real project file of two face photos behind a real browser-mode server. */
export async function startProjectServer(work: string): Promise<ProjectServer> {
  await rm(work, { recursive: true, force: true });
  await mkdir(path.join(work, 'images'), { recursive: true });
  await mkdir(path.join(work, 'renderer'), { recursive: true });
  await writeFile(
    path.join(work, 'renderer', 'index.html'),
    '<!doctype html><title>Shotbox</title>',
  );
  await cp(demoPhotos[0]!, path.join(work, 'images', 'a.jpg'));
  await cp(demoPhotos[1]!, path.join(work, 'images', 'b.jpg'));
  const projectFile = path.join(work, 'p.shotbox');
  const project = ProjectDb.create(projectFile, path.join(work, 'images'));
  await importFolder(project, path.join(work, 'images'));
  return serveOpenProject(project, path.join(work, 'renderer'));
}

/** Serves an already open project. */
export async function serveOpenProject(
  project: ProjectDb,
  rendererDir: string,
): Promise<ProjectServer> {
  const server = await startServer({ rendererDir, version: 'test', project });
  const login = await rawRequest(server.openUrl, {});
  const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const origin = server.url.slice(0, -1);
  return {
    project,
    server,
    projectFile: project.file,
    origin,
    cookie,
    call: (method, body) =>
      rawRequest(`${server.url}api/${method}`, {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    snapshot: () =>
      JSON.stringify([
        project.classes.list(),
        project.images.all().map((i) => [i, project.annotations.ofImage(i.id)]),
      ]),
    close: async () => {
      await server.close();
      project.close();
    },
  };
}

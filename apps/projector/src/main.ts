import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createLogger, loadSettings, runMain, yieldCpu } from '@pulse/platform';
import { ProjectorModule } from './projector.module.ts';
import { ProjectorSettings } from './settings.ts';

/** The projector: projections, process managers and the view-delta publisher (DESIGN.md, data flow). */
await runMain(async () => {
  // Settings first, outside Nest: a bad one must stop the process with a message that names it.
  const settings = loadSettings(ProjectorSettings);
  yieldCpu(settings.PROJECTOR_NICE, createLogger('projector', settings.LOG_LEVEL), 'projector');
  const app = await NestFactory.createApplicationContext(ProjectorModule.register(settings), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  // SIGTERM lets the batch in hand finish, then closes NATS and Postgres and exits 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
});

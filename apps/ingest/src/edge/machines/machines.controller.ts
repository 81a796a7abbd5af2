import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import type { RawBody } from '../../domain/raw-body.ts';
import { bearerToken } from '../auth/bearer.ts';
import { MachinesService } from './machines.service.ts';
import type { MachineHeartbeatResponse, RegisterMachineResponse } from './machine.schemas.ts';

@Controller('v1/machines')
export class MachinesController {
  constructor(@Inject(MachinesService) private readonly machines: MachinesService) {}

  /** 201: the machine id and its token (shown once). Authorization: Bearer <provisioning secret>. */
  @Post('register')
  @HttpCode(201)
  register(@Headers('authorization') auth: string | undefined, @Body() body: RawBody | undefined): Promise<RegisterMachineResponse> {
    return this.machines.register(bearerToken(auth), body);
  }

  /** 202: the heartbeat is in JetStream and the token's TTL starts again. Bearer <machine token>. */
  @Post('heartbeat')
  @HttpCode(202)
  heartbeat(@Headers('authorization') auth: string | undefined, @Body() body: RawBody | undefined): Promise<MachineHeartbeatResponse> {
    return this.machines.heartbeat(bearerToken(auth), body);
  }

  /** 201: a new token; the one presented stops working at once. Bearer <machine token>. */
  @Post('rotate')
  @HttpCode(201)
  rotate(@Headers('authorization') auth: string | undefined): Promise<RegisterMachineResponse> {
    return this.machines.rotate(bearerToken(auth));
  }
}

import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GreeterClient as _api_GreeterClient, GreeterDefinition as _api_GreeterDefinition } from './api/Greeter.ts';
import type { HelloRequest as _api_HelloRequest, HelloRequest__Output as _api_HelloRequest__Output } from './api/HelloRequest.ts';
import type { User as _api_User, User__Output as _api_User__Output } from './api/User.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  api: {
    Greeter: SubtypeConstructor<typeof grpc.Client, _api_GreeterClient> & { service: _api_GreeterDefinition }
    HelloRequest: MessageTypeDefinition<_api_HelloRequest, _api_HelloRequest__Output>
    User: MessageTypeDefinition<_api_User, _api_User__Output>
  }
}


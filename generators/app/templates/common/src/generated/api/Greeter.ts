// Original file: proto/greeter.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HelloRequest as _api_HelloRequest, HelloRequest__Output as _api_HelloRequest__Output } from '../api/HelloRequest.ts';
import type { User as _api_User, User__Output as _api_User__Output } from '../api/User.ts';

export interface GreeterClient extends grpc.Client {
  SayHello(argument: _api_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  SayHello(argument: _api_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  SayHello(argument: _api_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  SayHello(argument: _api_HelloRequest, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  sayHello(argument: _api_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  sayHello(argument: _api_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  sayHello(argument: _api_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  sayHello(argument: _api_HelloRequest, callback: grpc.requestCallback<_api_User__Output>): grpc.ClientUnaryCall;
  
  SayHelloStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_api_HelloRequest, _api_User__Output>;
  SayHelloStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_api_HelloRequest, _api_User__Output>;
  sayHelloStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_api_HelloRequest, _api_User__Output>;
  sayHelloStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_api_HelloRequest, _api_User__Output>;
  
}

export interface GreeterHandlers extends grpc.UntypedServiceImplementation {
  SayHello: grpc.handleUnaryCall<_api_HelloRequest__Output, _api_User>;
  
  SayHelloStream: grpc.handleBidiStreamingCall<_api_HelloRequest__Output, _api_User>;
  
}

export interface GreeterDefinition extends grpc.ServiceDefinition {
  SayHello: MethodDefinition<_api_HelloRequest, _api_User, _api_HelloRequest__Output, _api_User__Output>
  SayHelloStream: MethodDefinition<_api_HelloRequest, _api_User, _api_HelloRequest__Output, _api_User__Output>
}

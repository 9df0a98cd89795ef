// Original file: proto/greeter.proto


export interface User {
  'name'?: (string);
  'id'?: (string);
  'age'?: (number);
}

export interface User__Output {
  'name': (string);
  'id': (string);
  'age': (number);
}

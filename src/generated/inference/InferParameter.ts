// Original file: protos/inference/grpc_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * An inference parameter value.
 */
export interface InferParameter {
  /**
   * A boolean parameter value.
   */
  'bool_param'?: (boolean);
  /**
   * An int64 parameter value.
   */
  'int64_param'?: (number | string | Long);
  /**
   * A string parameter value.
   */
  'string_param'?: (string);
  /**
   * A double parameter value.
   */
  'double_param'?: (number | string);
  /**
   * A uint64 parameter value.
   */
  'uint64_param'?: (number | string | Long);
  'parameter_choice'?: "bool_param"|"int64_param"|"string_param"|"double_param"|"uint64_param";
}

/**
 * An inference parameter value.
 */
export interface InferParameter__Output {
  /**
   * A boolean parameter value.
   */
  'bool_param'?: (boolean);
  /**
   * An int64 parameter value.
   */
  'int64_param'?: (number);
  /**
   * A string parameter value.
   */
  'string_param'?: (string);
  /**
   * A double parameter value.
   */
  'double_param'?: (number);
  /**
   * A uint64 parameter value.
   */
  'uint64_param'?: (number);
  'parameter_choice'?: "bool_param"|"int64_param"|"string_param"|"double_param"|"uint64_param";
}

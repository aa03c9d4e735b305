// Original file: protos/inference/grpc_service.proto


export interface ModelStatisticsRequest {
  /**
   * The model to report; empty for every model of the server.
   */
  'name'?: (string);
  /**
   * The model version; empty for every version.
   */
  'version'?: (string);
}

export interface ModelStatisticsRequest__Output {
  /**
   * The model to report; empty for every model of the server.
   */
  'name': (string);
  /**
   * The model version; empty for every version.
   */
  'version': (string);
}

// Original file: protos/mova/v1/fusion.proto


export interface DescribeRequest {
}

export interface DescribeRequest__Output {
}

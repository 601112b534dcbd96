// Side effects only: registers tfjs-core's gradients and chained tensor methods (see the .js header).
export {};

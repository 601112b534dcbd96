/** torchvision's architectures with torchvision's names, and what transfer learning needs to know of them. */
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, type ResNetBlock } from './resnet.js';
export { MobileNetV2, InvertedResidual, Conv2dNormActivation, mobilenetV2, makeDivisible, type MobileNetV2Options } from './mobilenet-v2.js';
export { IMAGENET_STATS, defineArch, type ArchMeta, type VisionArch, type TorchvisionOptions, type ChannelStats, type WeightsFile } from './arch.js';

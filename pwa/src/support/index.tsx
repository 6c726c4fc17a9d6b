// The screens that plan support from the data, loaded when first opened.
export { Ask } from './Ask';
export { OpenCycle } from './OpenCycle';
export { Requests } from './Requests';
export { TeacherView } from './TeacherView';

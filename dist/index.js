import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 23894:
/***/ (function(__unused_webpack_module, exports) {

/*!
 * hash-wasm (https://www.npmjs.com/package/hash-wasm)
 * (c) Dani Biro
 * @license MIT
 */

!function(A,I){ true?I(exports):0}(this,function(A){"use strict";var I,g={name:"blake3",data:"AGFzbQEAAAABMQdgAAF/YAl/f39+f39/f38AYAZ/f39/fn8AYAF/AGADf39/AGABfgBgBX9/fn9/AX8DDg0AAQIDBAUGAwMDAwAEBQQBAQICBg8CfwFBgIAEC38AQYCABAsHggEJBm1lbW9yeQIAD19fc3RhY2tfcG9pbnRlcgMADkhhc2hfR2V0QnVmZmVyAAAJSGFzaF9Jbml0AAgLSGFzaF9VcGRhdGUACQpIYXNoX0ZpbmFsAAoNSGFzaF9HZXRTdGF0ZQALDkhhc2hfQ2FsY3VsYXRlAAwKU1RBVEVfU0laRQMBCrRYDQYAQYCBBAvUAgIDfwV+IwBB4ABrIgkkAAJAIAFFDQAgByAFciEKIAYgB0EAIAJBAUYbciAFciELIAStIQwDQCAAKAIAIQcgCUEAKQOAgQU3AwAgCUEAKQOIgQU3AwggCUEAKQOQgQU3AxAgCUEAKQOYgQU3AxggCUEgaiAJIAdBwAAgAyALEAIgB0HAAGohByACIQQCQANAIAkgCSkDQCAJKQMghSINNwMAIAkgCSkDSCAJKQMohSIONwMIIAkgCSkDUCAJKQMwhSIPNwMQIAkgCSkDWCAJKQM4hSIQNwMYIAUhBgJAAkAgBEF/aiIEDgIDAAELIAohBgsgCUEgaiAJIAdBwAAgAyAGEAIgB0HAAGohBwwACwsgCCAQNwMYIAggDzcDECAIIA43AwggCCANNwMAIAhBIGohCCAAQQRqIQAgAyAMfCEDIAFBf2oiAQ0ACwsgCUHgAGokAAv4GwIMfh9/IAIpAyghBiACKQM4IQcgAikDMCEIIAIpAxAhCSACKQMgIQogAikDACELIAIpAwghDCACKQMYIQ0gACABKQMAIg43AwAgACABKQMIIg83AwggACABKQMQIhA3AxAgACAPQiCIpyANpyICaiABKQMYIhFCIIinIhJqIhMgDUIgiKciAWogEyAFc0EQdyIUQbrqv6p6aiIVIBJzQRR3IhZqIhcgDqcgC6ciBWogEKciE2oiGCALQiCIpyISaiAYIASnc0EQdyIYQefMp9AGaiIZIBNzQRR3IhNqIhogGHNBGHciGyAZaiIcIBNzQRl3Ih1qIAenIhNqIh4gB0IgiKciGGogHiAPpyAJpyIZaiARpyIfaiIgIAlCIIinIiFqICAgA3NBEHciA0Hy5rvjA2oiICAfc0EUdyIfaiIiIANzQRh3IiNzQRB3IiQgDkIgiKcgDKciA2ogEEIgiKciJWoiJiAMQiCIpyIeaiAmIARCIIinc0EQdyImQYXdntt7aiInICVzQRR3IiVqIiggJnNBGHciJiAnaiInaiIpIB1zQRR3Ih1qIiogGWogFyAUc0EYdyIrIBVqIiwgFnNBGXciFiAiaiAIpyIUaiIXIAhCIIinIhVqIBcgJnNBEHciFyAcaiIcIBZzQRR3IhZqIiIgF3NBGHciJiAcaiItIBZzQRl3Ii5qIhwgFWogJyAlc0EZdyIlIBpqIAqnIhZqIhogCkIgiKciF2ogGiArc0EQdyIaICMgIGoiIGoiIyAlc0EUdyIlaiInIBpzQRh3IisgHHNBEHciLyAgIB9zQRl3Ih8gKGogBqciGmoiICAGQiCIpyIcaiAgIBtzQRB3IhsgLGoiICAfc0EUdyIfaiIoIBtzQRh3IhsgIGoiIGoiLCAuc0EUdyIuaiIwICcgA2ogKiAkc0EYdyIkIClqIicgHXNBGXciHWoiKSACaiAbIClzQRB3IhsgLWoiKSAdc0EUdyIdaiIqIBtzQRh3IhsgKWoiKSAdc0EZdyIdaiAYaiItIBZqIC0gIiABaiAgIB9zQRl3Ih9qIiAgBWogJCAgc0EQdyIgICsgI2oiImoiIyAfc0EUdyIfaiIkICBzQRh3IiBzQRB3IisgKCAeaiAiICVzQRl3IiJqIiUgGmogJiAlc0EQdyIlICdqIiYgInNBFHciImoiJyAlc0EYdyIlICZqIiZqIiggHXNBFHciHWoiLSABaiAwIC9zQRh3Ii8gLGoiLCAuc0EZdyIuICRqIBdqIiQgE2ogJCAlc0EQdyIkIClqIiUgLnNBFHciKWoiLiAkc0EYdyIkICVqIiUgKXNBGXciKWoiMCATaiAmICJzQRl3IiIgKmogEmoiJiAcaiAmIC9zQRB3IiYgICAjaiIgaiIjICJzQRR3IiJqIiogJnNBGHciJiAwc0EQdyIvICAgH3NBGXciHyAnaiAUaiIgICFqICAgG3NBEHciGyAsaiIgIB9zQRR3Ih9qIicgG3NBGHciGyAgaiIgaiIsIClzQRR3IilqIjAgKiAeaiAtICtzQRh3IiogKGoiKCAdc0EZdyIdaiIrIBlqIBsgK3NBEHciGyAlaiIlIB1zQRR3Ih1qIisgG3NBGHciGyAlaiIlIB1zQRl3Ih1qIBZqIi0gEmogLSAuIBVqICAgH3NBGXciH2oiICADaiAqICBzQRB3IiAgJiAjaiIjaiImIB9zQRR3Ih9qIiogIHNBGHciIHNBEHciLSAnIBpqICMgInNBGXciImoiIyAUaiAkICNzQRB3IiMgKGoiJCAic0EUdyIiaiInICNzQRh3IiMgJGoiJGoiKCAdc0EUdyIdaiIuIBVqIDAgL3NBGHciLyAsaiIsIClzQRl3IikgKmogHGoiKiAYaiAqICNzQRB3IiMgJWoiJSApc0EUdyIpaiIqICNzQRh3IiMgJWoiJSApc0EZdyIpaiIwIBhqICQgInNBGXciIiAraiACaiIkICFqICQgL3NBEHciJCAgICZqIiBqIiYgInNBFHciImoiKyAkc0EYdyIkIDBzQRB3Ii8gICAfc0EZdyIfICdqIBdqIiAgBWogICAbc0EQdyIbICxqIiAgH3NBFHciH2oiJyAbc0EYdyIbICBqIiBqIiwgKXNBFHciKWoiMCArIBpqIC4gLXNBGHciKyAoaiIoIB1zQRl3Ih1qIi0gAWogGyAtc0EQdyIbICVqIiUgHXNBFHciHWoiLSAbc0EYdyIbICVqIiUgHXNBGXciHWogEmoiLiACaiAuICogE2ogICAfc0EZdyIfaiIgIB5qICsgIHNBEHciICAkICZqIiRqIiYgH3NBFHciH2oiKiAgc0EYdyIgc0EQdyIrICcgFGogJCAic0EZdyIiaiIkIBdqICMgJHNBEHciIyAoaiIkICJzQRR3IiJqIicgI3NBGHciIyAkaiIkaiIoIB1zQRR3Ih1qIi4gE2ogMCAvc0EYdyIvICxqIiwgKXNBGXciKSAqaiAhaiIqIBZqICogI3NBEHciIyAlaiIlIClzQRR3IilqIiogI3NBGHciIyAlaiIlIClzQRl3IilqIjAgFmogJCAic0EZdyIiIC1qIBlqIiQgBWogJCAvc0EQdyIkICAgJmoiIGoiJiAic0EUdyIiaiItICRzQRh3IiQgMHNBEHciLyAgIB9zQRl3Ih8gJ2ogHGoiICADaiAgIBtzQRB3IhsgLGoiICAfc0EUdyIfaiInIBtzQRh3IhsgIGoiIGoiLCApc0EUdyIpaiIwIC9zQRh3Ii8gLGoiLCApc0EZdyIpICogGGogICAfc0EZdyIfaiIgIBpqIC4gK3NBGHciKiAgc0EQdyIgICQgJmoiJGoiJiAfc0EUdyIfaiIraiAFaiIuIBJqIC4gJyAXaiAkICJzQRl3IiJqIiQgHGogIyAkc0EQdyIjICogKGoiJGoiJyAic0EUdyIiaiIoICNzQRh3IiNzQRB3IiogLSAUaiAkIB1zQRl3Ih1qIiQgFWogGyAkc0EQdyIbICVqIiQgHXNBFHciHWoiJSAbc0EYdyIbICRqIiRqIi0gKXNBFHciKWoiLiAWaiArICBzQRh3IiAgJmoiJiAfc0EZdyIfIChqICFqIiggHmogKCAbc0EQdyIbICxqIiggH3NBFHciH2oiKyAbc0EYdyIbIChqIiggH3NBGXciH2oiLCAUaiAwICQgHXNBGXciHWogAmoiJCAZaiAkICBzQRB3IiAgIyAnaiIjaiIkIB1zQRR3Ih1qIicgIHNBGHciICAsc0EQdyIsICMgInNBGXciIiAlaiABaiIjIANqICMgL3NBEHciIyAmaiIlICJzQRR3IiJqIiYgI3NBGHciIyAlaiIlaiIvIB9zQRR3Ih9qIjAgLHNBGHciLCAvaiIvIB9zQRl3Ih8gKyAcaiAlICJzQRl3IiJqIiUgIWogLiAqc0EYdyIqICVzQRB3IiUgICAkaiIgaiIkICJzQRR3IiJqIitqIAVqIi4gGmogLiAmIBdqICAgHXNBGXciHWoiICATaiAbICBzQRB3IhsgKiAtaiIgaiImIB1zQRR3Ih1qIiogG3NBGHciG3NBEHciLSAnIBhqICAgKXNBGXciIGoiJyASaiAjICdzQRB3IiMgKGoiJyAgc0EUdyIgaiIoICNzQRh3IiMgJ2oiJ2oiKSAfc0EUdyIfaiIuICFqICsgJXNBGHciISAkaiIkICJzQRl3IiIgKmogFWoiJSAeaiAlICNzQRB3IiMgL2oiJSAic0EUdyIiaiIqICNzQRh3IiMgJWoiJSAic0EZdyIiaiIrIAVqICcgIHNBGXciBSAwaiADaiIgIAJqICAgIXNBEHciISAbICZqIhtqIiAgBXNBFHciBWoiJiAhc0EYdyIhICtzQRB3IicgKCAbIB1zQRl3IhtqIBlqIh0gAWogHSAsc0EQdyIdICRqIiQgG3NBFHciG2oiKCAdc0EYdyIdICRqIiRqIisgInNBFHciImoiLCAnc0EYdyInICtqIisgInNBGXciIiAqIBxqICQgG3NBGXciHGoiGyAYaiAuIC1zQRh3IhggG3NBEHciGyAhICBqIiFqIiAgHHNBFHciHGoiJGogE2oiEyAaaiATICggFmogISAFc0EZdyIFaiIhIAJqICMgIXNBEHciAiAYIClqIhhqIiEgBXNBFHciBWoiFiACc0EYdyICc0EQdyITICYgEmogGCAfc0EZdyISaiIYIBdqIB0gGHNBEHciGCAlaiIXIBJzQRR3IhJqIhogGHNBGHciGCAXaiIXaiIdICJzQRR3Ih9qIiI2AgAgACAXIBJzQRl3IhIgLGogA2oiAyAUaiADICQgG3NBGHciFHNBEHciAyACICFqIgJqIiEgEnNBFHciEmoiFyADc0EYdyIDNgIwIAAgFiAUICBqIhQgHHNBGXciHGogAWoiASAVaiABIBhzQRB3IgEgK2oiGCAcc0EUdyIVaiIWIAFzQRh3IgEgGGoiGCAVc0EZdzYCECAAIBc2AgQgACACIAVzQRl3IgIgGmogHmoiBSAZaiAFICdzQRB3IgUgFGoiGSACc0EUdyICaiIeIAVzQRh3IgU2AjQgACAFIBlqIgU2AiAgACAiIBNzQRh3IhMgHWoiGSAfc0EZdzYCFCAAIBg2AiQgACAeNgIIIAAgATYCOCAAIAMgIWoiASASc0EZdzYCGCAAIBk2AiggACAWNgIMIAAgEzYCPCAAIAUgAnNBGXc2AhwgACABNgIsC+ERCwN/BH4CfwF+AX8EfgJ/AX4CfwF+BH8jAEHQAmsiASQAAkAgAEUNAAJAAkBBAC0AiYIFQQZ0QQAtAIiCBWoiAg0AQYCBBCEDDAELQaCBBUGAgQRBgAggAmsiAiAAIAIgAEkbIgIQBCAAIAJrIgBFDQEgAUEAKQOggQUiBDcDcCABQQApA6iBBSIFNwN4IAFBACkDsIEFIgY3A4ABIAFBACkDuIEFIgc3A4gBIAFBACkDyIEFNwOYASABQQApA9CBBTcDoAEgAUEAKQPYgQU3A6gBQQAtAIqCBSEIQQAtAImCBSEJQQApA8CBBSEKIAFBAC0AiIIFIgs6ANgBIAEgCjcDkAEgAUEAKQPggQU3A7ABIAFBACkD6IEFNwO4ASABQQApA/CBBTcDwAEgAUEAKQP4gQU3A8gBIAFBACkDgIIFNwPQASABIAggCUVyQQJyIgg6ANkBIAEgBzcD+AEgASAGNwPwASABIAU3A+gBIAEgBDcD4AEgASABQeABaiABQZgBaiALIAogCEH/AXEQAiABKQMgIQQgASkDACEFIAEpAyghBiABKQMIIQcgASkDMCEMIAEpAxAhDSABKQM4IQ4gASkDGCEPIAoQBUEAQgA3A4CCBUEAQgA3A/iBBUEAQgA3A/CBBUEAQgA3A+iBBUEAQgA3A+CBBUEAQgA3A9iBBUEAQgA3A9CBBUEAQgA3A8iBBUEAQQApA4CBBTcDoIEFQQBBACkDiIEFNwOogQVBAEEAKQOQgQU3A7CBBUEAQQApA5iBBTcDuIEFQQAtAJCCBSIJQQV0IgggDiAPhTcDqYIFIAggDCANhTcDoYIFIAggBiAHhTcDmYIFIAggBCAFhTcDkYIFQQAgCUEBajoAkIIFQQBBACkDwIEFQgF8NwPAgQVBAEEAOwGIggUgAkGAgQRqIQMLAkAgAEGBCEkNAEEAKQPAgQUhBCABQShqIRADQCAEQgqGIQpCASAAQQFyrXlCP4WGpyECA0AgAiIRQQF2IQIgCiARQX9qrYNCAFINAAsgEUEKdq0hEgJAAkAgEUGACEsNACABQQA7AdgBIAFCADcD0AEgAUIANwPIASABQgA3A8ABIAFCADcDuAEgAUIANwOwASABQgA3A6gBIAFCADcDoAEgAUIANwOYASABQQApA4CBBTcDcCABQQApA4iBBTcDeCABQQApA5CBBTcDgAEgAUEALQCKggU6ANoBIAFBACkDmIEFNwOIASABIAQ3A5ABIAFB8ABqIAMgERAEIAEgASkDcCIENwMAIAEgASkDeCIFNwMIIAEgASkDgAEiBjcDECABIAEpA4gBIgc3AxggASABKQOYATcDKCABIAEpA6ABNwMwIAEgASkDqAE3AzggAS0A2gEhAiABLQDZASEIIAEpA5ABIQogASABLQDYASIJOgBoIAEgCjcDICABIAEpA7ABNwNAIAEgASkDuAE3A0ggASABKQPAATcDUCABIAEpA8gBNwNYIAEgASkD0AE3A2AgASACIAhFckECciICOgBpIAEgBzcDuAIgASAGNwOwAiABIAU3A6gCIAEgBDcDoAIgAUHgAWogAUGgAmogECAJIAogAkH/AXEQAiABKQOAAiEEIAEpA+ABIQUgASkDiAIhBiABKQPoASEHIAEpA5ACIQwgASkD8AEhDSABKQOYAiEOIAEpA/gBIQ8gChAFQQAtAJCCBSIIQQV0IgIgDiAPhTcDqYIFIAIgDCANhTcDoYIFIAIgBiAHhTcDmYIFIAIgBCAFhTcDkYIFQQAgCEEBajoAkIIFDAELAkACQCADIBEgBEEALQCKggUiAiABEAYiE0ECSw0AIAEpAxghCiABKQMQIQQgASkDCCEFIAEpAwAhBgwBCyACQQRyIRRBACkDmIEFIQ1BACkDkIEFIQ5BACkDiIEFIQ9BACkDgIEFIRUDQCATQX5qIhZBAXYiF0EBaiIYQQNxIQlBACELAkACQCAWQQZJDQAgGEH8////B3EhGUEAIQsgAUHIAmohAiABIQgDQCACIAg2AgAgAkEMaiAIQcABajYCACACQQhqIAhBgAFqNgIAIAJBBGogCEHAAGo2AgAgCEGAAmohCCACQRBqIQIgGSALQQRqIgtHDQALIAlFDQELIAEgC0EGdGohAiABQcgCaiALQQJ0aiEIA0AgCCACNgIAIAJBwABqIQIgCEEEaiEIIAlBf2oiCQ0ACwsgAUHIAmohCCABQaACaiECIBghCQNAIAgoAgAhCyABIA03A/gBIAEgDjcD8AEgASAPNwPoASABIBU3A+ABIAFB8ABqIAFB4AFqIAtBwABCACAUEAIgASkDkAEhCiABKQNwIQQgASkDmAEhBSABKQN4IQYgASkDoAEhByABKQOAASEMIAJBGGogASkDqAEgASkDiAGFNwMAIAJBEGogByAMhTcDACACQQhqIAUgBoU3AwAgAiAKIASFNwMAIAJBIGohAiAIQQRqIQggCUF/aiIJDQALAkACQCATIBZBfnFBAmpLDQAgGCETDAELIAFBoAJqIBhBBXRqIgIgASAYQQZ0aiIIKQMANwMAIAIgCCkDCDcDCCACIAgpAxA3AxAgAiAIKQMYNwMYIBdBAmohEwsgASABKQOgAiIGNwMAIAEgASkDqAIiBTcDCCABIAEpA7ACIgQ3AxAgASABKQO4AiIKNwMYIBNBAksNAAsLIAEpAyAhByABKQMoIQwgASkDMCENIAEpAzghDkEAKQPAgQUQBUEALQCQggUiCEEFdCICIAo3A6mCBSACIAQ3A6GCBSACIAU3A5mCBSACIAY3A5GCBUEAIAhBAWo6AJCCBUEAKQPAgQUgEkIBiHwQBUEALQCQggUiCEEFdCICIA43A6mCBSACIA03A6GCBSACIAw3A5mCBSACIAc3A5GCBUEAIAhBAWo6AJCCBQtBAEEAKQPAgQUgEnwiBDcDwIEFIAMgEWohAyAAIBFrIgBBgAhLDQALIABFDQELQaCBBSADIAAQBEEAKQPAgQUQBQsgAUHQAmokAAvsBgIJfwF+IwBBwABrIgMkAAJAAkAgAC0AaCIERQ0AAkBBwAAgBGsiBSACIAUgAkkbIgZFDQAgBkEDcSEHQQAhCAJAAkAgBkEESQ0AIAAgBGohCSAGQXxxIQpBACEIA0AgCSAIaiIFQShqIAEgCGoiCy0AADoAACAFQSlqIAtBAWotAAA6AAAgBUEqaiALQQJqLQAAOgAAIAVBK2ogC0EDai0AADoAACAKIAhBBGoiCEcNAAsgB0UNAQsgASAIaiEFIAggBGogAGpBKGohCANAIAggBS0AADoAACAFQQFqIQUgCEEBaiEIIAdBf2oiBw0ACwsgAC0AaCEECyAAIAQgBmoiBzoAaCABIAZqIQECQCACIAZrIgINAEEAIQIMAgsgAyAAIABBKGpBwAAgACkDICAALQBqIABB6QBqIgUtAAAiCEVyEAIgACADKQMgIAMpAwCFNwMAIAAgAykDKCADKQMIhTcDCCAAIAMpAzAgAykDEIU3AxAgACADKQM4IAMpAxiFNwMYIABBADoAaCAFIAhBAWo6AAAgAEIANwNgIABCADcDWCAAQgA3A1AgAEIANwNIIABCADcDQCAAQgA3AzggAEIANwMwIABCADcDKAtBACEHIAJBwQBJDQAgAEHpAGoiCC0AACEFIAAtAGohCyAAKQMgIQwDQCADIAAgAUHAACAMIAsgBUH/AXFFckH/AXEQAiAAIAMpAyAgAykDAIU3AwAgACADKQMoIAMpAwiFNwMIIAAgAykDMCADKQMQhTcDECAAIAMpAzggAykDGIU3AxggCCAFQQFqIgU6AAAgAUHAAGohASACQUBqIgJBwABLDQALCwJAQcAAIAdB/wFxIgZrIgUgAiAFIAJJGyIKRQ0AIApBA3EhC0EAIQUCQAJAIApBBEkNACAAIAZqIQcgCkH8AHEhCUEAIQUDQCAHIAVqIgJBKGogASAFaiIILQAAOgAAIAJBKWogCEEBai0AADoAACACQSpqIAhBAmotAAA6AAAgAkEraiAIQQNqLQAAOgAAIAkgBUEEaiIFRw0ACyALRQ0BCyABIAVqIQEgBSAGaiAAakEoaiEFA0AgBSABLQAAOgAAIAFBAWohASAFQQFqIQUgC0F/aiILDQALCyAALQBoIQcLIAAgByAKajoAaCADQcAAaiQAC94DBAV/A34FfwZ+IwBB0AFrIgEkAAJAIAB7pyICQQAtAJCCBSIDTw0AQQAtAIqCBUEEciEEIAFBKGohBUEAKQOYgQUhAEEAKQOQgQUhBkEAKQOIgQUhB0EAKQOAgQUhCCADIQkDQCABIAA3AxggASAGNwMQIAEgBzcDCCABIAg3AwAgASAJQQV0IglB0YEFaiIKKQMANwMoIAEgCUHZgQVqIgspAwA3AzAgASAJQeGBBWoiDCkDADcDOCABIAlB6YEFaiINKQMANwNAIAEgCUHxgQVqKQMANwNIIAEgCUH5gQVqKQMANwNQIAEgCUGBggVqKQMANwNYIAlBiYIFaikDACEOIAFBwAA6AGggASAONwNgIAFCADcDICABIAQ6AGkgASAANwOIASABIAY3A4ABIAEgBzcDeCABIAg3A3AgAUGQAWogAUHwAGogBUHAAEIAIARB/wFxEAIgASkDsAEhDiABKQOQASEPIAEpA7gBIRAgASkDmAEhESABKQPAASESIAEpA6ABIRMgDSABKQPIASABKQOoAYU3AwAgDCASIBOFNwMAIAsgECARhTcDACAKIA4gD4U3AwAgA0F/aiIDQf8BcSIJIAJLDQALQQAgAzoAkIIFCyABQdABaiQAC9AIBQF/BH4BfwF+BX8jAEHgAmsiBSQAAkACQCABQYAISw0AIAUgADYC/AEgAUUNAQJAIAFBgAhHDQBBASEBIAVB/AFqQQFBECACQQEgA0EBQQIgBBABDAILIAUgAzoAaiAFQgA3A2AgBUIANwNYIAVCADcDUCAFQgA3A0ggBUIANwNAIAVCADcDOCAFQgA3AzAgBUIANwMoIAUgAjcDICAFQQA7AWggBUEAKQOAgQU3AwAgBUEAKQOIgQU3AwggBUEAKQOQgQU3AxAgBUEAKQOYgQU3AxggBSAAIAEQBCAFIAUpAwAiBjcDiAEgBSAFKQMIIgc3A5ABIAUgBSkDECIINwOYASAFIAUpAxgiCTcDoAEgBSAFKQMoNwOwASAFIAUpAzA3A7gBIAUgBSkDODcDwAEgBS0AaiEAIAUtAGkhCiAFKQMgIQIgBSAFLQBoIgE6APABIAUgAjcDqAEgBSAFKQNANwPIASAFIAUpA0g3A9ABIAUgBSkDUDcD2AEgBSAFKQNYNwPgASAFIAUpA2A3A+gBIAUgACAKRXJBAnIiADoA8QEgBSAJNwOYAiAFIAg3A5ACIAUgBzcDiAIgBSAGNwOAAiAFQaACaiAFQYACaiAFQbABaiABIAIgAEH/AXEQAiAFKQPAAiECIAUpA6ACIQYgBSkDyAIhByAFKQOoAiEIIAUpA9ACIQkgBSkDsAIhCyAEIAUpA9gCIAUpA7gChTcDGCAEIAkgC4U3AxAgBCAHIAiFNwMIIAQgAiAGhTcDAEEBIQEMAQsgAEIBIAFBf2pBCnZBAXKteSIGQj+FhiIHp0EKdCIKIAIgAyAFEAYhDCAAIApqIAEgCmsgByACfCADIAVBIEHAACAGQj9RG2oQBiEAAkAgDEEBRw0AIAQgBSkDADcDACAEIAUpAwg3AwggBCAFKQMQNwMQIAQgBSkDGDcDGCAEIAUpAyA3AyAgBCAFKQMoNwMoIAQgBSkDMDcDMCAEIAUpAzg3AzhBAiEBDAELQQAhAUEAIQoCQCAAIAxqIg1BAkkNACANQX5qIg5BAXZBAWoiAUEDcSEMQQAhDwJAAkAgDkEGSQ0AIAFB/P///wdxIRBBACEPIAVBiAFqIQAgBSEKA0AgACAKNgIAIABBDGogCkHAAWo2AgAgAEEIaiAKQYABajYCACAAQQRqIApBwABqNgIAIApBgAJqIQogAEEQaiEAIBAgD0EEaiIPRw0ACyAMRQ0BCyAFIA9BBnRqIQAgBUGIAWogD0ECdGohCgNAIAogADYCACAAQcAAaiEAIApBBGohCiAMQX9qIgwNAAsLIA5BfnFBAmohCgsgBUGIAWogAUEBQgBBACADQQRyQQBBACAEEAEgDSAKTQ0AIAQgAUEFdGoiACAFIAFBBnRqIgopAwA3AwAgACAKKQMINwMIIAAgCikDEDcDECAAIAopAxg3AxggAUEBaiEBCyAFQeACaiQAIAEL6A8IAn8EfgF/AX4EfwR+An8EfiMAQfABayIBJAACQCAARQ0AAkBBAC0AkIIFIgINACABQQApA6CBBSIDNwMAIAFBACkDqIEFIgQ3AwggAUEAKQOwgQUiBTcDECABQQApA7iBBSIGNwMYIAFBACkDyIEFNwMoIAFBACkD0IEFNwMwIAFBACkD2IEFNwM4QQAtAIqCBSECQQAtAImCBSEHQQApA8CBBSEIIAFBAC0AiIIFIgk6AGggASAINwMgIAFBACkD4IEFNwNAIAFBACkD6IEFNwNIIAFBACkD8IEFNwNQIAFBACkD+IEFNwNYIAFBACkDgIIFNwNgIAEgAiAHRXIiAkECcjoAaSABQShqIQpCACEIQYCBBCELIAJBCnJB/wFxIQwDQCABQbABaiABIAogCUH/AXEgCCAMEAIgASABKQPQASINIAEpA7ABhTcDcCABIAEpA9gBIg4gASkDuAGFNwN4IAEgASkD4AEiDyABKQPAAYU3A4ABIAEgASkD6AEiECAGhTcDqAEgASAPIAWFNwOgASABIA4gBIU3A5gBIAEgDSADhTcDkAEgASAQIAEpA8gBhTcDiAECQAJAIABBwAAgAEHAAEkbIhFBB3EiEg0AIAFB8ABqIQIgCyEHIBEhEgwBCyABQfAAaiECIAshBwNAIAcgAi0AADoAACAHQQFqIQcgAkEBaiECIBJBf2oiEg0ACyARQfgAcSESCwJAIABBCEkNAANAIAcgAikAADcAACAHQQhqIQcgAkEIaiECIBJBeGoiEg0ACwsgCEIBfCEIIAsgEWohCyAAIBFrIgANAAwCCwsCQAJAAkBBAC0AiYIFIgdBAC0AiIIFIgtyQf8BcUUNACABIAs6AGggAUEAKQOAggU3A2AgAUEAKQP4gQU3A1ggAUEAKQPwgQU3A1AgAUEAKQPogQU3A0ggAUEAKQPggQU3A0AgAUEAKQPYgQU3AzggAUEAKQPQgQU3AzAgAUEAKQPIgQU3AyggAUEAKQPAgQUiCDcDICABQQApA7iBBSIDNwMYIAFBACkDsIEFIgQ3AxAgAUEAKQOogQUiBTcDCCABQQApA6CBBSIGNwMAIAFBAC0AioIFIhIgB0H/AXFFckECciIJOgBpIBJBBHIhEkEAKQOYgQUhDUEAKQOQgQUhDkEAKQOIgQUhD0EAKQOAgQUhEAwBC0HAACELIAFBwAA6AGhCACEIIAFCADcDICABQQApA5iBBSINNwMYIAFBACkDkIEFIg43AxAgAUEAKQOIgQUiDzcDCCABQQApA4CBBSIQNwMAIAFBAC0AioIFQQRyIhI6AGkgASACQX5qIgJBBXQiBykDyYIFNwNgIAEgBykDwYIFNwNYIAEgBykDuYIFNwNQIAEgBykDsYIFNwNIIAEgBykDqYIFNwNAIAEgBykDoYIFNwM4IAEgBykDmYIFNwMwIAEgBykDkYIFNwMoIBAhBiAPIQUgDiEEIA0hAyASIQkgAkUNAQsgAkF/aiIHQQV0IhEpA5GCBSETIBEpA5mCBSEUIBEpA6GCBSEVIBEpA6mCBSEWIAEgAzcDiAEgASAENwOAASABIAU3A3ggASAGNwNwIAFBsAFqIAFB8ABqIAFBKGoiESALQf8BcSAIIAlB/wFxEAIgASASOgBpIAFBwAA6AGggASAWNwNAIAEgFTcDOCABIBQ3AzAgASATNwMoIAFCADcDICABIA03AxggASAONwMQIAEgDzcDCCABIBA3AwAgASABKQPoASABKQPIAYU3A2AgASABKQPgASABKQPAAYU3A1ggASABKQPYASABKQO4AYU3A1AgASABKQPQASABKQOwAYU3A0ggB0UNACACQQV0QemBBWohAiASQf8BcSELA0AgAkFoaikDACEIIAJBcGopAwAhAyACQXhqKQMAIQQgAikDACEFIAEgDTcDiAEgASAONwOAASABIA83A3ggASAQNwNwIAFBsAFqIAFB8ABqIBFBwABCACALEAIgASASOgBpIAFBwAA6AGggASAFNwNAIAEgBDcDOCABIAM3AzAgASAINwMoIAFCADcDICABIA03AxggASAONwMQIAEgDzcDCCABIBA3AwAgASABKQPoASABKQPIAYU3A2AgASABKQPgASABKQPAAYU3A1ggASABKQPYASABKQO4AYU3A1AgASABKQPQASABKQOwAYU3A0ggAkFgaiECIAdBf2oiBw0ACwsgAUEoaiEJQgAhCEGAgQQhCyASQQhyQf8BcSEKA0AgAUGwAWogASAJQcAAIAggChACIAEgASkD0AEiAyABKQOwAYU3A3AgASABKQPYASIEIAEpA7gBhTcDeCABIAEpA+ABIgUgASkDwAGFNwOAASABIAEpA+gBIgYgDYU3A6gBIAEgBSAOhTcDoAEgASAEIA+FNwOYASABIAMgEIU3A5ABIAEgBiABKQPIAYU3A4gBAkACQCAAQcAAIABBwABJGyIRQQdxIhINACABQfAAaiECIAshByARIRIMAQsgAUHwAGohAiALIQcDQCAHIAItAAA6AAAgB0EBaiEHIAJBAWohAiASQX9qIhINAAsgEUH4AHEhEgsCQCAAQQhJDQADQCAHIAIpAAA3AAAgB0EIaiEHIAJBCGohAiASQXhqIhINAAsLIAhCAXwhCCALIBFqIQsgACARayIADQALCyABQfABaiQAC6cCAQR+AkACQCAAQSBGDQBCq7OP/JGjs/DbACEBQv+kuYjFkdqCm38hAkLy5rvjo6f9p6V/IQNC58yn0NbQ67O7fyEEQQAhAAwBC0EAKQOYgQQhAUEAKQOQgQQhAkEAKQOIgQQhA0EAKQOAgQQhBEEQIQALQQAgADoAioIFQQBCADcDgIIFQQBCADcD+IEFQQBCADcD8IEFQQBCADcD6IEFQQBCADcD4IEFQQBCADcD2IEFQQBCADcD0IEFQQBCADcDyIEFQQBCADcDwIEFQQAgATcDuIEFQQAgAjcDsIEFQQAgAzcDqIEFQQAgBDcDoIEFQQAgATcDmIEFQQAgAjcDkIEFQQAgAzcDiIEFQQAgBDcDgIEFQQBBADoAkIIFQQBBADsBiIIFCwYAIAAQAwsGACAAEAcLBgBBgIEFC68CAQR+AkACQCABQSBGDQBCq7OP/JGjs/DbACEDQv+kuYjFkdqCm38hBELy5rvjo6f9p6V/IQVC58yn0NbQ67O7fyEGQQAhAQwBC0EAKQOYgQQhA0EAKQOQgQQhBEEAKQOIgQQhBUEAKQOAgQQhBkEQIQELQQAgAToAioIFQQBCADcDgIIFQQBCADcD+IEFQQBCADcD8IEFQQBCADcD6IEFQQBCADcD4IEFQQBCADcD2IEFQQBCADcD0IEFQQBCADcDyIEFQQBCADcDwIEFQQAgAzcDuIEFQQAgBDcDsIEFQQAgBTcDqIEFQQAgBjcDoIEFQQAgAzcDmIEFQQAgBDcDkIEFQQAgBTcDiIEFQQAgBjcDgIEFQQBBADoAkIIFQQBBADsBiIIFIAAQAyACEAcLCwwBAEGAgAQLBHgHAAA=",hash:"558f85b5"};function B(A,I,g,B){return new(g||(g=Promise))(function(Q,i){function C(A){try{o(B.next(A))}catch(A){i(A)}}function E(A){try{o(B.throw(A))}catch(A){i(A)}}function o(A){var I;A.done?Q(A.value):(I=A.value,I instanceof g?I:new g(function(A){A(I)})).then(C,E)}o((B=B.apply(A,I||[])).next())})}"function"==typeof SuppressedError&&SuppressedError;class Q{constructor(){this.mutex=Promise.resolve()}lock(){let A=()=>{};return this.mutex=this.mutex.then(()=>new Promise(A)),new Promise(I=>{A=I})}dispatch(A){return B(this,void 0,void 0,function*(){const I=yield this.lock();try{return yield Promise.resolve(A())}finally{I()}})}}const i="undefined"!=typeof globalThis?globalThis:"undefined"!=typeof self?self:"undefined"!=typeof window?window:global,C=null!==(I=i.Buffer)&&void 0!==I?I:null,E=i.TextEncoder?new i.TextEncoder:null;function o(A,I){return(15&A)+(A>>6|A>>3&8)<<4|(15&I)+(I>>6|I>>3&8)}const c="a".charCodeAt(0)-10,e="0".charCodeAt(0);function t(A,I,g){let B=0;for(let Q=0;Q<g;Q++){let g=I[Q]>>>4;A[B++]=g>9?g+c:g+e,g=15&I[Q],A[B++]=g>9?g+c:g+e}return String.fromCharCode.apply(null,A)}const D=null!==C?A=>{if("string"==typeof A){const I=C.from(A,"utf8");return new Uint8Array(I.buffer,I.byteOffset,I.length)}if(C.isBuffer(A))return new Uint8Array(A.buffer,A.byteOffset,A.length);if(ArrayBuffer.isView(A))return new Uint8Array(A.buffer,A.byteOffset,A.byteLength);throw new Error("Invalid data type!")}:A=>{if("string"==typeof A)return E.encode(A);if(ArrayBuffer.isView(A))return new Uint8Array(A.buffer,A.byteOffset,A.byteLength);throw new Error("Invalid data type!")},a="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",h=new Uint8Array(256);for(let A=0;A<64;A++)h[a.charCodeAt(A)]=A;function n(A){const I=function(A){let I=Math.floor(.75*A.length);const g=A.length;return"="===A[g-1]&&(I-=1,"="===A[g-2]&&(I-=1)),I}(A),g=A.length,B=new Uint8Array(I);let Q=0;for(let I=0;I<g;I+=4){const g=h[A.charCodeAt(I)],i=h[A.charCodeAt(I+1)],C=h[A.charCodeAt(I+2)],E=h[A.charCodeAt(I+3)];B[Q]=g<<2|i>>4,Q+=1,B[Q]=(15&i)<<4|C>>2,Q+=1,B[Q]=(3&C)<<6|63&E,Q+=1}return B}const F=16384,r=new Q,w=new Map;function y(A,I){return B(this,void 0,void 0,function*(){let g=null,Q=null,i=!1;if("undefined"==typeof WebAssembly)throw new Error("WebAssembly is not supported in this environment!");const C=()=>new DataView(g.exports.memory.buffer).getUint32(g.exports.STATE_SIZE,!0),E=r.dispatch(()=>B(this,void 0,void 0,function*(){if(!w.has(A.name)){const I=n(A.data),g=WebAssembly.compile(I.buffer);w.set(A.name,g)}const I=yield w.get(A.name);g=yield WebAssembly.instantiate(I,{})})),c=(A=null)=>{i=!0,g.exports.Hash_Init(A)},e=A=>{if(!i)throw new Error("update() called before init()");(A=>{let I=0;for(;I<A.length;){const B=A.subarray(I,I+F);I+=B.length,Q.set(B),g.exports.Hash_Update(B.length)}})(D(A))},a=new Uint8Array(2*I),h=(A,B=null)=>{if(!i)throw new Error("digest() called before init()");return i=!1,g.exports.Hash_Final(B),"binary"===A?Q.slice(0,I):t(a,Q,I)},y=A=>"string"==typeof A?A.length<4096:A.byteLength<F;let N=y;switch(A.name){case"argon2":case"scrypt":N=()=>!0;break;case"blake2b":case"blake2s":N=(A,I)=>I<=512&&y(A);break;case"blake3":N=(A,I)=>0===I&&y(A);break;case"xxhash64":case"xxhash3":case"xxhash128":case"crc64":N=()=>!1}return yield(()=>B(this,void 0,void 0,function*(){g||(yield E);const A=g.exports.Hash_GetBuffer(),I=g.exports.memory.buffer;Q=new Uint8Array(I,A,F)}))(),{getMemory:()=>Q,writeMemory:(A,I=0)=>{Q.set(A,I)},getExports:()=>g.exports,setMemorySize:A=>{g.exports.Hash_SetMemorySize(A);const I=g.exports.Hash_GetBuffer(),B=g.exports.memory.buffer;Q=new Uint8Array(B,I,A)},init:c,update:e,digest:h,save:()=>{if(!i)throw new Error("save() can only be called after init() and before digest()");const I=g.exports.Hash_GetState(),B=C(),Q=g.exports.memory.buffer,E=new Uint8Array(Q,I,B),c=new Uint8Array(4+B);return function(A,I){const g=I.length>>1;for(let B=0;B<g;B++){const g=B<<1;A[B]=o(I.charCodeAt(g),I.charCodeAt(g+1))}}(c,A.hash),c.set(E,4),c},load:I=>{if(!(I instanceof Uint8Array))throw new Error("load() expects an Uint8Array generated by save()");const B=g.exports.Hash_GetState(),Q=C(),E=4+Q,c=g.exports.memory.buffer;if(I.length!==E)throw new Error(`Bad state length (expected ${E} bytes, got ${I.length})`);if(!function(A,I){if(A.length!==2*I.length)return!1;for(let g=0;g<I.length;g++){const B=g<<1;if(I[g]!==o(A.charCodeAt(B),A.charCodeAt(B+1)))return!1}return!0}(A.hash,I.subarray(0,4)))throw new Error("This state was written by an incompatible hash implementation");const e=I.subarray(4);new Uint8Array(c,B,Q).set(e),i=!0},calculate:(A,B=null,i=null)=>{if(!N(A,B))return c(B),e(A),h("hex",i);const C=D(A);return Q.set(C),g.exports.Hash_Calculate(C.length,B,i),t(a,Q,I)},hashLength:I}})}const N=new Q;let U=null;function s(A){return!Number.isInteger(A)||A<8||A%8!=0?new Error("Invalid variant! Valid values: 8, 16, ..."):null}A.blake3=function(A,I=256,Q=null){if(s(I))return Promise.reject(s(I));let i=null,C=0;if(null!==Q){if(i=D(Q),32!==i.length)return Promise.reject(new Error("Key length must be exactly 32 bytes"));C=32}const E=I/8,o=E;if(null===U||U.hashLength!==E)return function(A,I,g){return B(this,void 0,void 0,function*(){const B=yield A.lock(),Q=yield y(I,g);return B(),Q})}(N,g,E).then(I=>(U=I,32===C&&U.writeMemory(i),U.calculate(A,C,o)));try{32===C&&U.writeMemory(i);const I=U.calculate(A,C,o);return Promise.resolve(I)}catch(A){return Promise.reject(A)}},A.createBLAKE3=function(A=256,I=null){if(s(A))return Promise.reject(s(A));let B=null,Q=0;if(null!==I){if(B=D(I),32!==B.length)return Promise.reject(new Error("Key length must be exactly 32 bytes"));Q=32}const i=A/8,C=i;return y(g,i).then(A=>{32===Q&&A.writeMemory(B),A.init(Q);const I={init:32===Q?()=>(A.writeMemory(B),A.init(Q),I):()=>(A.init(Q),I),update:g=>(A.update(g),I),digest:I=>A.digest(I,C),save:()=>A.save(),load:g=>(A.load(g),I),blockSize:64,digestSize:i};return I})}});


/***/ }),

/***/ 79407:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(75470);
/** The action's entry point (dist/index.js). */

await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 75470:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ run)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(77598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(73024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(51455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(48161);
;// CONCATENATED MODULE: ./src/runner.ts
/**
 * The runner protocol the action speaks on its hot path: workflow commands on stdout
 * (annotations, masks, groups) and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, in the same
 * format as @actions/core.
 *
 * Why not @actions/core here: its bundle pulls in @actions/http-client and undici (for OIDC
 * tokens this action never asks for), which measured 115 ms of load time per run on the
 * benchmark machine, more than everything else the warm path does (docs/PERFORMANCE.md).
 * @actions/core is still what the artifact client and tool-cache use, loaded only when needed.
 */




const escapeData = (text) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
function command(name, message) {
    process.stdout.write(`::${name}::${escapeData(message)}${external_node_os_.EOL}`);
}
const info = (message) => void process.stdout.write(`${message}${external_node_os_.EOL}`);
const debug = (message) => command('debug', message);
const notice = (message) => command('notice', message);
const runner_warning = (message) => command('warning', message);
const error = (message) => command('error', message);
/** Mark the step failed with one error annotation. */
function setFailed(message) {
    process.exitCode = 1;
    error(message);
}
/** Ask the runner to mask `value` in everything printed after this. */
const setSecret = (value) => command('add-mask', value);
function setOutput(name, value) {
    const file = process.env.GITHUB_OUTPUT;
    if (!file) {
        process.stdout.write(`${external_node_os_.EOL}::set-output name=${name}::${escapeData(value)}${external_node_os_.EOL}`);
        return;
    }
    const delimiter = `ghadelimiter_${(0,external_node_crypto_.randomUUID)()}`;
    (0,external_node_fs_.appendFileSync)(file, `${name}<<${delimiter}${external_node_os_.EOL}${value}${external_node_os_.EOL}${delimiter}${external_node_os_.EOL}`, 'utf8');
}
/** Run `fn` inside a collapsible log group. */
async function group(name, fn) {
    command('group', name);
    try {
        return await fn();
    }
    finally {
        command('endgroup', '');
    }
}
/** Append to the job summary; throws when there is no summary file or it cannot be written. */
async function appendSummary(markdown) {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file)
        throw new Error('GITHUB_STEP_SUMMARY is not set: the job summary is written on a GitHub runner only');
    await (0,promises_.appendFile)(file, markdown, 'utf8');
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(76760);
;// CONCATENATED MODULE: ./src/errors.ts
/**
 * Errors the action reports to the user. Each carries the message shown in the single
 * `::error::` annotation; `InputError` also names the offending input.
 */
/** One or more inputs are wrong. Raised before any download or build starts. */
class InputError extends Error {
    problems;
    constructor(problems, options) {
        super(formatProblems(problems), options);
        this.problems = problems;
        this.name = 'InputError';
    }
}
function formatProblems(problems) {
    if (problems.length === 1)
        return `Input \`${problems[0].input}\`: ${problems[0].message}`;
    return [
        `${problems.length} inputs need fixing:`,
        ...problems.map(p => `- \`${p.input}\`: ${p.message}`)
    ].join('\n');
}
/** A failure of the environment or of a tool: a download, ops, the disk, the artifact service. */
class ActionError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = 'ActionError';
    }
}
/** The text of any thrown value, without a stack. */
function describe(error) {
    return error instanceof Error ? error.message : String(error);
}

;// CONCATENATED MODULE: ./src/artifact.ts
/**
 * Stage 6: the image as a workflow artifact, through the real @actions/artifact client. The
 * client (Azure SDK, octokit, zip) is loaded only when an upload happens, so runs that do not
 * upload do not pay for loading it.
 */




/** Why no upload can happen here, or undefined when it can. */
function uploadUnavailable(env) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    const host = new URL(server).hostname.toLowerCase();
    if (host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')) {
        return {
            ghes: true,
            reason: `GitHub Enterprise Server (${server}) does not support this artifact service. Set \`upload: false\` and upload \`image-path\` with actions/upload-artifact@v3 (the GHES-compatible release), or attach it to a release.`
        };
    }
    if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
        return {
            ghes: false,
            reason: 'Not running on a GitHub Actions runner (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set), so the image was not uploaded.'
        };
    }
    return undefined;
}
/** Upload the image; undefined when the upload was skipped with a notice or warning. */
async function uploadImage(req) {
    const unavailable = uploadUnavailable(req.env);
    if (unavailable) {
        if (req.required)
            throw new ActionError(`\`upload: true\` was set, but the upload cannot happen: ${unavailable.reason}`);
        if (unavailable.ghes)
            runner_warning(unavailable.reason);
        else
            notice(`${unavailable.reason} The image is at ${req.imagePath}.`);
        return undefined;
    }
    const { DefaultArtifactClient, ArtifactNotFoundError } = await Promise.all(/* import() */[__nccwpck_require__.e(942), __nccwpck_require__.e(838), __nccwpck_require__.e(584)]).then(__nccwpck_require__.bind(__nccwpck_require__, 20584));
    const client = new DefaultArtifactClient();
    if (req.overwrite) {
        try {
            await client.deleteArtifact(req.artifactName);
            info(`Deleted the existing artifact ${req.artifactName} (overwrite: true)`);
        }
        catch (error) {
            if (!(error instanceof ArtifactNotFoundError)) {
                throw new ActionError(`Could not delete the existing artifact ${req.artifactName} for \`overwrite: true\`: ${describe(error)}`, { cause: error });
            }
        }
    }
    // A raw upload takes the artifact's name from its file, so there the file carries the
    // artifact's name; inside a zip the image keeps its own.
    let file = req.imagePath;
    if (!req.archive && external_node_path_.basename(req.imagePath) !== req.artifactName) {
        file = external_node_path_.join(await (0,promises_.mkdtemp)(external_node_path_.join(req.tempDir, 'artifact-')), req.artifactName);
        await (0,promises_.link)(req.imagePath, file).catch(() => (0,promises_.copyFile)(req.imagePath, file));
    }
    const dir = external_node_path_.dirname(file);
    let result;
    const started = performance.now();
    try {
        result = await client.uploadArtifact(req.artifactName, [file], dir, {
            retentionDays: req.retentionDays || undefined,
            compressionLevel: req.compressionLevel,
            skipArchive: !req.archive
        });
    }
    catch (error) {
        const text = describe(error);
        if (/\b409\b|conflict|already exists/i.test(text)) {
            throw new ActionError(`An artifact named "${req.artifactName}" already exists in this workflow run (${text}). ` +
                'In a matrix, every job needs its own name: set `artifact-name` to something unique per job, e.g. `${{ matrix.program }}-image`; ' +
                'or set `overwrite: true` to replace the existing artifact. The image is still at ' +
                `${req.imagePath}.`, { cause: error });
        }
        throw new ActionError(`The artifact upload failed: ${text}. The image is still at ${req.imagePath} (see the image-path output).`, { cause: error });
    }
    if (result.id === undefined)
        throw new ActionError('The artifact service returned no artifact id.');
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const format = req.archive ? `zip, level ${req.compressionLevel}` : 'raw';
    info(`Uploaded ${result.size ?? 0} bytes (${format}) in ${seconds} s`);
    const url = `${req.env.GITHUB_SERVER_URL || 'https://github.com'}/${req.env.GITHUB_REPOSITORY}/actions/runs/${req.env.GITHUB_RUN_ID}/artifacts/${result.id}`;
    return {
        id: result.id,
        name: req.artifactName,
        url,
        digest: result.digest ?? '',
        size: result.size ?? 0
    };
}

// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 2 modules
var exec = __nccwpck_require__(75260);
;// CONCATENATED MODULE: ./src/ansi.ts
/** Ops colours its log lines; messages quoted back to the user are shown without the codes. */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
function stripAnsi(text) {
    return text.replace(ANSI, '');
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __nccwpck_require__(77030);
;// CONCATENATED MODULE: ./src/ops-home.ts
/**
 * A private ops home and the environment ops runs in (ops-contract.md §2, §3): `OPS_HOME` names
 * the parent of `.ops`; `OPS_DEFAULT_CONFIG` points at an empty config so neither the machine's
 * `~/.opsrc` nor a user's default config is merged in; `ops_render_config` is dropped; and ops's
 * own HTTP (the latest.txt lookup it makes on every run, with no timeout, which can hang on a
 * network that drops packets) goes to a loopback proxy that refuses at once, so ops says
 * "version lookup failed, using local." and uses the `latest.txt` laid out for it.
 */



/** Create `<root>/home/.ops` with `latest.txt` = `latestVersion`, and ops's environment. */
async function openOpsHome(root, latestVersion) {
    const parent = external_node_path_.join(root, 'home');
    const dir = external_node_path_.join(parent, '.ops');
    await (0,promises_.mkdir)(dir, { recursive: true });
    await (0,promises_.writeFile)(external_node_path_.join(dir, 'latest.txt'), `${latestVersion}\n`);
    const defaults = external_node_path_.join(root, 'no-defaults.json');
    await (0,promises_.writeFile)(defaults, '{}\n');
    const server = (0,external_node_net_.createServer)(socket => socket.destroy());
    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
    const proxy = `http://127.0.0.1:${server.address().port}`;
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (value !== undefined &&
            key.toLowerCase() !== 'ops_render_config' &&
            key.toLowerCase() !== 'no_proxy')
            env[key] = value;
    }
    Object.assign(env, { OPS_HOME: parent, OPS_DEFAULT_CONFIG: defaults });
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])
        env[name] = proxy;
    return {
        parent,
        dir,
        env,
        close: () => new Promise(resolve => server.close(() => resolve()))
    };
}

;// CONCATENATED MODULE: ./src/urls.ts
/** The runner's platform, or a message saying why the action cannot run on it. */
function hostOf(platform, cpu) {
    if (platform === 'win32') {
        return 'Windows runners are not supported: Ops publishes no Windows build. Use runs-on: ubuntu-latest (or ubuntu-24.04-arm).';
    }
    if (platform !== 'linux' && platform !== 'darwin')
        return `Ops publishes no build for ${platform}; use a Linux runner.`;
    if (cpu === 'x64')
        return { os: platform, arch: 'amd64' };
    if (cpu === 'arm64')
        return { os: platform, arch: 'arm64' };
    return `Ops publishes no build for ${platform}/${cpu}; use an x64 or arm64 runner.`;
}
/** The versioned Ops binary and its published md5 file. */
function opsUrls(mirror, version, host) {
    const dir = host.arch === 'arm64'
        ? `cli/${host.os}/aarch64/release/${version}`
        : `cli/${host.os}/release/${version}`;
    const md5Name = host.arch === 'arm64'
        ? `ops-${host.os}-aarch64-${version}.md5`
        : `ops-${host.os}-${version}.md5`;
    return { binary: `${mirror}/${dir}/ops`, md5: `${mirror}/${dir}/${md5Name}` };
}
function nanosLatestUrl(mirror) {
    return `${mirror}/nanos/release/latest.txt`;
}
function nanosReleaseUrl(mirror, version, arch) {
    const suffix = arch === 'arm64' ? '-virt' : '';
    return `${mirror}/nanos/release/${version}/nanos-release-linux-${version}${suffix}.tar.gz`;
}
function nanosCommonUrl(mirror) {
    return `${mirror}/nanos/common/common.tar.gz`;
}
/** The folder of `<opshome>` that holds a kernel release: `V` (amd64) or `V-arm` (arm64). */
function kernelDirName(version, arch) {
    return arch === 'arm64' ? `${version}-arm` : version;
}

;// CONCATENATED MODULE: ./src/build.ts
/**
 * Stage 4: `ops build` in an isolated ops home. The home holds the cached kernel, `latest.txt`
 * naming it and the common files, so ops downloads nothing; no user-level ops configuration
 * reaches it; ops runs in a staging folder where `Program`, `Files` and `Dirs` resolve the way
 * ops reads them (relative to its current directory, ops-contract.md §5). Success is the
 * `Bootable image file:` line and the file being there; the image then moves to `output-dir`.
 */









/** Write the manifest for ops, readable by its owner only (it holds `env`), atomically. */
async function writeManifest(manifest, file) {
    await (0,promises_.mkdir)(external_node_path_.dirname(file), { recursive: true });
    const partial = `${file}.${(0,external_node_crypto_.randomUUID)()}.partial`;
    await (0,promises_.writeFile)(partial, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await (0,promises_.rename)(partial, file);
}
/** Run ops and return the absolute path of the image in `output-dir`. */
async function buildImage(req) {
    const { plan, kernel } = req;
    const home = await openOpsHome(req.workDir, kernel.version);
    await layOutKernel(home.dir, kernel);
    const stage = external_node_path_.join(req.workDir, 'stage');
    await stageInputs(plan, stage);
    // -i keeps the text before the first dot; the real name is given when the image is moved.
    const internalName = plan.imageName.split('.')[0] || 'image';
    const args = [
        'build',
        plan.program,
        '-c',
        req.manifestPath,
        '-i',
        internalName,
        '--nanos-version',
        kernel.version,
        '--arch',
        plan.arch
    ];
    const stdout = new LineCollector();
    const stderr = new LineCollector();
    let code;
    try {
        code = await (0,exec/* exec */.m)(req.ops.path, args, {
            cwd: stage,
            env: home.env,
            ignoreReturnCode: true,
            listeners: { stdout: data => stdout.push(data), stderr: data => stderr.push(data) }
        });
    }
    finally {
        await home.close();
    }
    const lines = [...stdout.lines(), ...stderr.lines()];
    for (const line of lines) {
        if (/^Klib ".*" not found in directory/.test(line))
            runner_warning(`ops: ${line}`);
    }
    if (code !== 0)
        throw new ActionError(`ops build failed (exit code ${code}${code === 2 ? ', a crash' : ''}):\n${opsMessage(lines)}`);
    const reported = lines
        .map(l => /^Bootable image file:\s*(.+)$/.exec(l)?.[1]?.trim())
        .find(Boolean);
    if (!reported) {
        throw new ActionError(`ops build exited 0 but built no image (ops does this when it cannot use the configuration):\n${opsMessage(lines)}`);
    }
    const built = external_node_path_.resolve(stage, reported);
    if (!(await (0,promises_.stat)(built).catch(() => undefined))?.isFile()) {
        throw new ActionError(`ops build reported the image ${reported}, but there is no such file.`);
    }
    return moveInto(built, plan.inputs.outputDir, plan.imageName);
}
/** The cached kernel release and common files, copied where ops looks for them. */
async function layOutKernel(opsHome, kernel) {
    const release = external_node_path_.join(opsHome, kernelDirName(kernel.version, kernel.arch));
    await (0,promises_.cp)(external_node_path_.join(kernel.dir, 'release'), release, { recursive: true });
    const common = external_node_path_.join(kernel.dir, 'common');
    if ((await (0,promises_.stat)(common).catch(() => undefined))?.isDirectory()) {
        await (0,promises_.cp)(common, external_node_path_.join(opsHome, 'common'), { recursive: true, verbatimSymlinks: true });
        await (0,promises_.copyFile)(external_node_path_.join(kernel.dir, 'common.tar.gz'), external_node_path_.join(opsHome, 'common.tar.gz'));
    }
}
/**
 * The folder ops runs in: the program under its image name, and the manifest's Files and Dirs
 * at the same relative paths as in `working-directory`, hard-linked where possible (copied
 * across file systems). Symbolic links inside Dirs are kept as links, as ops would see them.
 */
async function stageInputs(plan, stage) {
    const wd = plan.inputs.workingDirectory;
    await (0,promises_.mkdir)(stage, { recursive: true });
    await linkOrCopy(await (0,promises_.realpath)(plan.inputs.binary), external_node_path_.join(stage, plan.program));
    for (const entry of plan.manifest.Files ?? []) {
        await linkOrCopy(await (0,promises_.realpath)(external_node_path_.join(wd, entry)), external_node_path_.join(stage, entry));
    }
    for (const entry of plan.manifest.Dirs ?? []) {
        await mirrorTree(external_node_path_.join(wd, entry), external_node_path_.join(stage, entry), entry);
    }
}
async function mirrorTree(source, dest, shown) {
    const info = await (0,promises_.lstat)(source);
    if (info.isSymbolicLink()) {
        const target = await (0,promises_.readlink)(source);
        runner_warning(`dirs: ${shown} is a symbolic link to ${target}; ops puts it into the image as a link, not the file behind it.`);
        await (0,promises_.mkdir)(external_node_path_.dirname(dest), { recursive: true });
        await (0,promises_.symlink)(target, dest);
        return;
    }
    if (!info.isDirectory())
        return linkOrCopy(source, dest);
    await (0,promises_.mkdir)(dest, { recursive: true });
    for (const child of await (0,promises_.readdir)(source)) {
        await mirrorTree(external_node_path_.join(source, child), external_node_path_.join(dest, child), `${shown}/${child}`);
    }
}
async function linkOrCopy(source, dest) {
    await (0,promises_.mkdir)(external_node_path_.dirname(dest), { recursive: true });
    await (0,promises_.rm)(dest, { force: true });
    try {
        await (0,promises_.link)(source, dest);
    }
    catch {
        await (0,promises_.copyFile)(source, dest);
    }
}
/** Move the image to `dir/name` without ever leaving a half-written file at that name. */
async function moveInto(built, dir, name) {
    const dest = external_node_path_.join(dir, name);
    const partial = external_node_path_.join(dir, `.${name}.${(0,external_node_crypto_.randomUUID)()}.partial`);
    await (0,promises_.mkdir)(dir, { recursive: true });
    try {
        await (0,promises_.rename)(built, partial).catch(async (error) => {
            if (error.code !== 'EXDEV')
                throw error;
            await (0,promises_.copyFile)(built, partial);
        });
        await (0,promises_.rename)(partial, dest);
    }
    catch (error) {
        await (0,promises_.rm)(partial, { force: true });
        throw new ActionError(`Could not write the image to ${dest}: ${error.message}`, {
            cause: error
        });
    }
    return dest;
}
/** Ops's own words for a failure: its error lines without colours, else its last lines. */
function opsMessage(lines) {
    const usage = lines.findIndex(l => /^Usage:/.test(l));
    // "version lookup failed, using local." is ops's routine notice without network, not a cause.
    const relevant = (usage >= 0 ? lines.slice(0, usage) : lines).filter(l => l.trim() !== '' && !/^version lookup failed, using local\.?$/.test(l.trim()));
    const errors = relevant.filter(l => /error|fatal|panic|failed|not found|cannot|can't|missing|no such|unknown|invalid|only ELF/i.test(l));
    const picked = (errors.length > 0 ? errors : relevant).slice(-15);
    return picked.length > 0 ? picked.map(l => `  ${l}`).join('\n') : '  (ops printed nothing)';
}
/** Ops's output as plain lines, kept to its last 2000. */
class LineCollector {
    text = '';
    done = [];
    push(data) {
        this.text += data.toString('utf8');
        const parts = this.text.split(/\r?\n/);
        this.text = parts.pop() ?? '';
        this.done.push(...parts.map(stripAnsi));
        if (this.done.length > 2000)
            this.done.splice(0, this.done.length - 2000);
    }
    lines() {
        return this.text ? [...this.done, stripAnsi(this.text)] : [...this.done];
    }
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __nccwpck_require__(57075);
;// CONCATENATED MODULE: external "node:stream/promises"
const external_node_stream_promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream/promises");
;// CONCATENATED MODULE: ./src/http.ts
/**
 * Downloads for the install stages: retries with backoff on 5xx, 408, 429 and dropped
 * connections, an idle timeout that cuts off a stalled server (tool-cache's downloadTool has
 * none), hashing while the bytes stream to disk, and proxies through @actions/http-client.
 */






/**
 * The retry policy, from the environment so that tests shorten the waits (they never skip them):
 * NANOS_IMAGE_ACTION_RETRY_BASE_MS, NANOS_IMAGE_ACTION_ATTEMPTS, NANOS_IMAGE_ACTION_IDLE_TIMEOUT_MS.
 */
function retryPolicy(env) {
    const num = (name, fallback) => {
        const value = Number(env[name]);
        return Number.isFinite(value) && value > 0 ? value : fallback;
    };
    return {
        attempts: Math.floor(num('NANOS_IMAGE_ACTION_ATTEMPTS', 4)),
        baseDelayMs: num('NANOS_IMAGE_ACTION_RETRY_BASE_MS', 2000),
        idleTimeoutMs: num('NANOS_IMAGE_ACTION_IDLE_TIMEOUT_MS', 30000)
    };
}
/** The server answered with a status that is not 200. */
class HttpStatusError extends Error {
    status;
    url;
    constructor(status, url) {
        super(`HTTP ${status} from ${url}`);
        this.status = status;
        this.url = url;
        this.name = 'HttpStatusError';
    }
}
/** No such object: what Cloud Storage answers (403 or 404) for a release that does not exist. */
function isMissing(error) {
    return error instanceof HttpStatusError && (error.status === 403 || error.status === 404);
}
function retryable(error) {
    if (error instanceof HttpStatusError)
        return error.status >= 500 || error.status === 408 || error.status === 429;
    // A local disk that is full or read-only does not get better by waiting.
    const code = error.code;
    if (code && ['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'EDQUOT'].includes(code))
        return false;
    return true; // connection refused or reset, timeouts, truncated bodies
}
/** @actions/http-client (proxy support), loaded on the first download only: a warm run makes none. */
async function client(policy) {
    const { HttpClient } = await __nccwpck_require__.e(/* import() */ 942).then(__nccwpck_require__.bind(__nccwpck_require__, 44942));
    return new HttpClient('nanos-image-action', [], {
        allowRetries: false,
        socketTimeout: policy.idleTimeoutMs,
        keepAlive: false
    });
}
async function withRetries(url, policy, attempt) {
    for (let n = 1;; n++) {
        try {
            return await attempt();
        }
        catch (error) {
            if (n >= policy.attempts || !retryable(error))
                throw error;
            const delay = Math.round(policy.baseDelayMs * 2 ** (n - 1) * (0.75 + Math.random() / 2));
            info(`${url}: ${error.message}; retrying in ${(delay / 1000).toFixed(1)} s (try ${n + 1} of ${policy.attempts})`);
            await new Promise(resolve => setTimeout(resolve, delay));
        }
    }
}
async function get(url, policy) {
    const response = await (await client(policy)).get(url);
    const status = response.message.statusCode ?? 0;
    if (status !== 200) {
        response.message.resume();
        throw new HttpStatusError(status, url);
    }
    return response.message;
}
/**
 * GET `url` and stream its body into `sink`. Once the headers are in, only an idle timer judges
 * the body: it is cut off after `idleTimeoutMs` without data, and a body that ends short of its
 * Content-Length is an error that says so (both are retried by the caller).
 */
async function receive(url, policy, sink) {
    const message = await get(url, policy);
    message.socket?.setTimeout(0);
    const expected = Number(message.headers['content-length'] ?? NaN);
    let received = 0;
    let stalled = false;
    const timer = setTimeout(() => {
        stalled = true;
        message.destroy(new Error('stalled'));
    }, policy.idleTimeoutMs);
    const counter = new external_node_stream_.Transform({
        transform(chunk, _encoding, done) {
            timer.refresh();
            received += chunk.length;
            done(null, chunk);
        }
    });
    const short = () => Number.isFinite(expected) && received < expected;
    try {
        await (0,external_node_stream_promises_namespaceObject.pipeline)(message, counter, sink);
    }
    catch (error) {
        if (stalled) {
            throw new Error(`no data for ${policy.idleTimeoutMs / 1000} s after ${received} bytes: the server stalled`, { cause: error });
        }
        if (short()) {
            throw new Error(`the connection closed after ${received} of ${expected} bytes`, {
                cause: error
            });
        }
        throw error;
    }
    finally {
        clearTimeout(timer);
    }
    if (short())
        throw new Error(`the connection closed after ${received} of ${expected} bytes`);
}
/** A small text file (a checksum, a version number), retried like any download. */
async function fetchText(url, policy, maxBytes = 64 * 1024) {
    return withRetries(url, policy, async () => {
        const chunks = [];
        let size = 0;
        await receive(url, policy, async (body) => {
            for await (const chunk of body) {
                size += chunk.length;
                if (size > maxBytes) {
                    throw new Error(`${url} is larger than ${maxBytes} bytes; it is not the text file expected`);
                }
                chunks.push(chunk);
            }
        });
        return Buffer.concat(chunks).toString('utf8');
    });
}
/**
 * Stream `url` into `dest`, hashing on the way; retried from the start after a failure. On a
 * final failure `dest` is removed, so nothing half-written is left behind.
 */
async function downloadFile(url, dest, policy, algorithms = []) {
    try {
        return await withRetries(url, policy, async () => {
            const hashes = algorithms.map(a => [a, (0,external_node_crypto_.createHash)(a)]);
            let bytes = 0;
            const hasher = new external_node_stream_.Transform({
                transform(chunk, _encoding, done) {
                    bytes += chunk.length;
                    for (const [, hash] of hashes)
                        hash.update(chunk);
                    done(null, chunk);
                }
            });
            await receive(url, policy, body => (0,external_node_stream_promises_namespaceObject.pipeline)(body, hasher, (0,external_node_fs_.createWriteStream)(dest)));
            return { bytes, digests: Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) };
        });
    }
    catch (error) {
        await (0,promises_.rm)(dest, { force: true });
        throw error;
    }
}

// EXTERNAL MODULE: ./node_modules/hash-wasm/dist/blake3.umd.min.js
var blake3_umd_min = __nccwpck_require__(23894);
var blake3_umd_min_default = /*#__PURE__*/__nccwpck_require__.n(blake3_umd_min);
;// CONCATENATED MODULE: ./src/image.ts
/**
 * Stage 5: facts about the image: its size, sha256, and Gevulot's image hash (BLAKE3-256 of
 * the raw bytes, 64 lowercase hex), both from one streaming read of the file.
 */


// hash-wasm's BLAKE3 build alone: its index embeds every algorithm's WebAssembly (+40 ms of load).

const CHUNK = 4 * 1024 * 1024;
async function imageFacts(file) {
    const sha256 = (0,external_node_crypto_.createHash)('sha256');
    const blake3 = await blake3_umd_min_default().createBLAKE3(256);
    let size = 0;
    for await (const chunk of (0,external_node_fs_.createReadStream)(file, { highWaterMark: CHUNK })) {
        const bytes = chunk;
        size += bytes.length;
        sha256.update(bytes);
        blake3.update(bytes);
    }
    return { size, sha256: sha256.digest('hex'), blake3: blake3.digest('hex') };
}

;// CONCATENATED MODULE: ./src/versions.ts
/**
 * Version numbers of Ops and Nanos: parsing, ordering, and the candidates probed when `latest`
 * Ops has to be turned into a number. Pure.
 */
/** The Ops release this action was tested with; `ops-version` defaults to it. */
const DEFAULT_OPS_VERSION = '0.1.46';
/**
 * The first Ops release whose images match Gevulot's workspace mount: from 0.1.42 a `%1` label
 * is renumbered to `%0` in the image (Gevulot attaches the workspace with mount_tag=0); 0.1.41
 * fails the build on it and older releases keep `%1` (ops-contract.md §5).
 */
const GEVULOT_MIN_OPS = '0.1.42';
const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
/** `latest`, or a release number like `0.1.46` (a leading `v` is accepted and dropped). */
function parseVersionSpec(value) {
    const text = value.trim();
    if (text.toLowerCase() === 'latest')
        return { kind: 'latest' };
    const match = VERSION.exec(text);
    return match ? { kind: 'exact', version: `${+match[1]}.${+match[2]}.${+match[3]}` } : undefined;
}
/** A release number as published (`0.1.54`), or undefined for anything else. */
function parseVersion(text) {
    const spec = parseVersionSpec(text);
    return spec?.kind === 'exact' ? spec.version : undefined;
}
function parts(version) {
    const [a, b, c] = version.split('.').map(Number);
    return [a, b, c];
}
function compareVersions(a, b) {
    const [x, y] = [parts(a), parts(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}
/**
 * The releases that could follow `version`, in the order to try them: the next patch, the next
 * minor, the next major. Ops publishes no "latest version" file, so `latest` is found by walking
 * these from a known release until none exists.
 */
function successors(version) {
    const [major, minor, patch] = parts(version);
    return [`${major}.${minor}.${patch + 1}`, `${major}.${minor + 1}.0`, `${major + 1}.0.0`];
}

;// CONCATENATED MODULE: ./src/inputs.ts
/**
 * Stage 0: the step's inputs, parsed and validated by a pure function of the environment.
 *
 * `parseInputs` reads `INPUT_*` variables the way the runner passes them, applies the defaults,
 * and collects every problem it finds into one `InputError`, so that a user fixes all of them
 * in one go. Nothing here touches the disk or the network; the checks that must look at files
 * (the binary, the base manifest, the output directory) live in `preflight.ts`.
 */



const DEFAULT_MIRROR = 'https://storage.googleapis.com';
const DEFAULT_MOUNTS = { '%1': '/workspace' };
/** Both chosen by measurement, see README "Artifact format" (npm run bench -- --upload-matrix). */
const DEFAULT_ARCHIVE = false;
const DEFAULT_COMPRESSION_LEVEL = 1;
/** Characters `@actions/artifact` refuses in an artifact name. */
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Parse and validate every input; throws one `InputError` listing all problems. */
function parseInputs(ctx) {
    const problems = [];
    const raw = (name) => (ctx.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
    const optional = (name) => raw(name) || undefined;
    const fail = (input, message) => {
        problems.push({ input, message });
        return undefined;
    };
    const bool = (name, fallback) => {
        const value = raw(name);
        if (value === '')
            return fallback;
        if (['true', 'True', 'TRUE'].includes(value))
            return true;
        if (['false', 'False', 'FALSE'].includes(value))
            return false;
        fail(name, `"${value}" is not a boolean: write true or false.`);
        return fallback;
    };
    const optionalBool = (name) => raw(name) === '' ? undefined : bool(name, false);
    const integer = (name, fallback, min, max) => {
        const value = raw(name);
        if (value === '')
            return fallback;
        if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
            fail(name, `"${value}" is out of range: give a whole number from ${min} to ${max}.`);
            return fallback;
        }
        return Number(value);
    };
    const workingDirectory = external_node_path_.resolve(ctx.cwd, raw('working-directory') || '.');
    const resolvePath = (value) => external_node_path_.resolve(workingDirectory, value);
    const binaryRaw = raw('binary');
    const binary = binaryRaw
        ? resolvePath(binaryRaw)
        : (fail('binary', 'is required: give the path of your compiled program, e.g. target/release/my_prover.') ?? '');
    const program = optional('program');
    if (program !== undefined)
        checkName('program', program, problems);
    const imageName = optional('image-name');
    if (imageName !== undefined)
        checkName('image-name', imageName, problems);
    const env = parseEnv(raw('env'), problems);
    const args = lines(raw('args'));
    const files = pathList('files', raw('files'), problems);
    const dirs = pathList('dirs', raw('dirs'), problems);
    const mounts = parseMounts(raw('mounts'), problems);
    const readonlyRootfs = optionalBool('readonly-rootfs');
    const klibsRaw = raw('klibs');
    const klibs = klibsRaw
        ? klibsRaw
            .split(/[\n,]/)
            .map(s => s.trim())
            .filter(Boolean)
        : undefined;
    for (const klib of klibs ?? []) {
        if (!/^[A-Za-z0-9_.-]+$/.test(klib))
            fail('klibs', `"${klib}" is not a klib name (e.g. gpu_nvidia).`);
    }
    const klibDir = optional('klib-dir');
    const baseVolumeSize = optional('base-volume-size');
    if (baseVolumeSize !== undefined && !/^\d+[kmgt]?$/i.test(baseVolumeSize)) {
        fail('base-volume-size', `"${baseVolumeSize}" is not a size: write a number with an optional unit k, m or g, e.g. 512m or 1g.`);
    }
    const manifest = optional('manifest');
    const profileRaw = raw('profile') || 'gevulot';
    let profile = 'gevulot';
    if (profileRaw === 'gevulot' || profileRaw === 'nanos')
        profile = profileRaw;
    else
        fail('profile', `"${profileRaw}" is not a profile: use gevulot (Gevulot prover or verifier) or nanos (any Nanos image).`);
    const versionOf = (name, fallback) => {
        const value = raw(name) || fallback;
        const spec = parseVersionSpec(value);
        if (!spec) {
            fail(name, `"${value}" is not a version: write a release number such as 0.1.46, or latest.`);
            return parseVersionSpec(fallback);
        }
        return spec;
    };
    const opsVersion = versionOf('ops-version', DEFAULT_OPS_VERSION);
    const nanosVersion = versionOf('nanos-version', 'latest');
    const opsSha256 = optional('ops-sha256')?.toLowerCase();
    if (opsSha256 !== undefined && !/^[0-9a-f]{64}$/.test(opsSha256)) {
        fail('ops-sha256', 'must be 64 hexadecimal characters (the output of sha256sum for the ops binary).');
    }
    const opsPathRaw = optional('ops-path');
    const checkLatest = bool('check-latest', false);
    const archRaw = optional('arch');
    let arch;
    if (archRaw !== undefined) {
        const normal = { amd64: 'amd64', x86_64: 'amd64', x64: 'amd64', arm64: 'arm64', aarch64: 'arm64' }[archRaw.toLowerCase()];
        if (normal)
            arch = normal;
        else
            fail('arch', `"${archRaw}" is not an architecture: use amd64 or arm64 (or leave it out to read it from the binary).`);
    }
    const mirror = parseMirror(raw('mirror') || DEFAULT_MIRROR, problems);
    const runnerTemp = ctx.env.RUNNER_TEMP || ctx.tmpdir;
    const outputDirRaw = optional('output-dir');
    const outputDir = outputDirRaw ? resolvePath(outputDirRaw) : external_node_path_.join(runnerTemp, 'nanos-images');
    const upload = bool('upload', true);
    const artifactName = optional('artifact-name');
    const archive = bool('archive', DEFAULT_ARCHIVE);
    const compressionLevel = integer('compression-level', DEFAULT_COMPRESSION_LEVEL, 0, 9);
    const retentionDays = integer('retention-days', 0, 0, 90);
    const overwrite = bool('overwrite', false);
    const summary = bool('summary', true);
    if (upload && artifactName !== undefined) {
        const problem = artifactNameProblem(artifactName);
        if (problem)
            fail('artifact-name', problem);
    }
    if (problems.length > 0)
        throw new InputError(problems);
    return {
        binary,
        workingDirectory,
        program,
        imageName,
        env,
        args,
        files,
        dirs,
        mounts,
        readonlyRootfs,
        klibs,
        klibDir: klibDir && resolvePath(klibDir),
        baseVolumeSize,
        manifest: manifest && resolvePath(manifest),
        profile,
        opsVersion,
        opsSha256,
        opsPath: opsPathRaw && resolvePath(opsPathRaw),
        nanosVersion,
        checkLatest,
        arch,
        mirror,
        outputDir,
        upload,
        uploadRequired: upload && raw('upload') !== '',
        artifactName,
        archive,
        compressionLevel,
        retentionDays,
        overwrite,
        summary
    };
}
/** Why `name` cannot name an artifact, or undefined when it can. */
function artifactNameProblem(name) {
    if (!ARTIFACT_NAME_FORBIDDEN.test(name))
        return undefined;
    return `"${name}" cannot be an artifact name: it may not contain any of " : < > | * ? \\ / or a line break.`;
}
/** A file name: not empty, no path separator, not `.` or `..`, no control characters. */
function checkName(input, value, problems) {
    if (value.trim() === '') {
        problems.push({
            input,
            message: 'must not be empty: give a plain file name such as my_prover.'
        });
    }
    else if (value === '.' || value === '..' || /[/\\]/.test(value)) {
        problems.push({
            input,
            message: `"${value}" must be a plain file name, without / or \\ and not . or ..`
        });
    }
    else if (value.startsWith('-')) {
        problems.push({
            input,
            message: `"${value}" must not start with "-" (ops would read it as an option).`
        });
    }
    else if (/[\p{Cc}]/u.test(value)) {
        problems.push({ input, message: 'must not contain control characters.' });
    }
}
/** Non-empty trimmed lines of a multiline input; undefined when there are none. */
function lines(value) {
    const list = value
        .split(/\r?\n/)
        .map(s => s.trim())
        .filter(Boolean);
    return list.length > 0 ? list : undefined;
}
function parseEnv(value, problems) {
    const list = lines(value)?.filter(line => !line.startsWith('#'));
    if (!list?.length)
        return undefined;
    const env = {};
    for (const [index, line] of list.entries()) {
        const eq = line.indexOf('=');
        // Never echo the line itself: it may hold a secret value.
        if (eq < 0) {
            problems.push({
                input: 'env',
                message: `entry ${index + 1} has no "=": write one KEY=VALUE per line.`
            });
            continue;
        }
        const key = line.slice(0, eq).trim();
        if (!ENV_KEY.test(key)) {
            problems.push({
                input: 'env',
                message: `entry ${index + 1}: "${key.slice(0, 64)}" is not a valid variable name (letters, digits and _, not starting with a digit).`
            });
            continue;
        }
        if (Object.hasOwn(env, key)) {
            problems.push({ input: 'env', message: `${key} is set twice: keep one line for it.` });
            continue;
        }
        env[key] = line.slice(eq + 1).trim();
    }
    return env;
}
function pathList(input, value, problems) {
    const list = lines(value);
    for (const entry of list ?? []) {
        if (entry.split(/[/\\]/).includes('..')) {
            problems.push({
                input,
                message: `"${entry}" leaves the working directory: entries are paths inside \`working-directory\` and become the same paths inside the image.`
            });
        }
    }
    return list;
}
function parseMounts(value, problems) {
    const list = lines(value);
    if (!list)
        return undefined;
    const mounts = {};
    for (const line of list) {
        const colon = line.indexOf(':');
        const label = line.slice(0, colon).trim();
        const target = line.slice(colon + 1).trim();
        if (colon < 0 || !label || !target.startsWith('/')) {
            problems.push({
                input: 'mounts',
                message: `"${line}" is not LABEL:PATH: write e.g. %1:/workspace (a volume label, a colon, an absolute path in the image).`
            });
            continue;
        }
        mounts[label] = target;
    }
    return mounts;
}
function parseMirror(value, problems) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        problems.push({
            input: 'mirror',
            message: `"${value}" is not a URL: write e.g. https://storage.googleapis.com.`
        });
        return DEFAULT_MIRROR;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        problems.push({ input: 'mirror', message: `"${value}" must be an http(s) URL.` });
    }
    else if (url.search || url.hash || url.username || url.password) {
        problems.push({
            input: 'mirror',
            message: 'must be a plain base URL, without credentials, query or fragment (the same layout as https://storage.googleapis.com below it).'
        });
    }
    return url.href.replace(/\/+$/, '');
}

;// CONCATENATED MODULE: ./src/cache.ts
/**
 * The runner's tool cache, shared by every job on a self-hosted runner, in @actions/tool-cache's
 * layout (`<tool>/<version>/<arch>` plus `<arch>.complete`), so entries are interchangeable with
 * `tc.find`. Entries are written atomically: `tc.cacheDir` empties the destination and copies
 * into it in place, so two jobs caching the same version at once can break each other's copy,
 * and a job killed mid-copy leaves a folder a later job may trust. Lookups are plain `stat`s:
 * importing tool-cache for them would load its HTTP stack on every warm run.
 */





/** The complete entry `tool/version/arch`, or undefined. */
function findCached(tool, version, arch) {
    const dir = external_node_path_.join(cacheRoot(), tool, version, arch);
    return (0,external_node_fs_.existsSync)(dir) && (0,external_node_fs_.existsSync)(`${dir}.complete`) ? dir : undefined;
}
/** How long a resolution of `latest` is reused without asking the network again. */
const LATEST_TTL_MS = 24 * 60 * 60 * 1000;
const latestFile = (tool, arch) => external_node_path_.join(cacheRoot(), tool, `.latest-${arch}.json`);
/**
 * The release `latest` resolved to less than `LATEST_TTL_MS` ago, if it is still cached: a warm
 * run then asks nothing of the network. A pinned release in the cache never stands in for latest.
 */
function recentLatest(tool, arch, now = Date.now()) {
    try {
        const { version, resolvedAt } = JSON.parse((0,external_node_fs_.readFileSync)(latestFile(tool, arch), 'utf8'));
        const fresh = now - resolvedAt < LATEST_TTL_MS && now >= resolvedAt;
        return fresh && parseVersion(version) === version && findCached(tool, version, arch)
            ? version
            : undefined;
    }
    catch {
        return undefined;
    }
}
/** Record what `latest` resolved to (atomically: concurrent jobs may write it too). */
async function rememberLatest(tool, arch, version) {
    const file = latestFile(tool, arch);
    await (0,promises_.mkdir)(external_node_path_.dirname(file), { recursive: true });
    const partial = `${file}.${(0,external_node_crypto_.randomUUID)()}.partial`;
    await (0,promises_.writeFile)(partial, JSON.stringify({ version, resolvedAt: Date.now() }));
    await (0,promises_.rename)(partial, file);
}
/**
 * Move (or copy) `sourceDir` into the tool cache as `tool/version/arch` and return the cached folder. The
 * copy is made beside the destination and renamed into place, and the `.complete` marker is
 * written last, so readers see either nothing or a whole entry. If another job got there first,
 * its entry is kept and ours dropped.
 */
async function cacheDirAtomic(sourceDir, tool, version, arch) {
    const root = external_node_path_.join(cacheRoot(), tool, version);
    const dest = external_node_path_.join(root, arch);
    const marker = `${dest}.complete`;
    await (0,promises_.mkdir)(root, { recursive: true });
    const staging = external_node_path_.join(root, `.${arch}.${(0,external_node_crypto_.randomUUID)()}.partial`);
    try {
        // The source is this run's own scratch copy: move it when the tool cache is on the same
        // file system (a 40 MiB Ops binary is not copied again), copy it otherwise.
        await (0,promises_.rename)(sourceDir, staging).catch(async (error) => {
            if (error.code !== 'EXDEV')
                throw error;
            await (0,promises_.cp)(sourceDir, staging, {
                recursive: true,
                preserveTimestamps: true,
                verbatimSymlinks: true
            });
        });
        // Readable by every user of a shared runner, as tool-cache's own entries are (mkdtemp makes 0700).
        await (0,promises_.chmod)(staging, 0o755);
        for (let tries = 0;; tries++) {
            if ((0,external_node_fs_.existsSync)(marker) && (0,external_node_fs_.existsSync)(dest))
                return dest;
            try {
                await (0,promises_.rename)(staging, dest);
                break;
            }
            catch (error) {
                const code = error.code;
                if ((code !== 'EEXIST' && code !== 'ENOTEMPTY') || tries >= 40)
                    throw error;
                // A folder without its marker: another job between its rename and its marker, a gap of
                // one small write (wait up to 2 s), or a job that died there (then move it aside, retry).
                await new Promise(resolve => setTimeout(resolve, 100));
                if (tries >= 20 && !(0,external_node_fs_.existsSync)(marker)) {
                    const orphan = external_node_path_.join(root, `.${arch}.${(0,external_node_crypto_.randomUUID)()}.orphan`);
                    await (0,promises_.rename)(dest, orphan).catch(() => undefined);
                    await (0,promises_.rm)(orphan, { recursive: true, force: true });
                }
            }
        }
        await (0,promises_.writeFile)(marker, '');
        return dest;
    }
    finally {
        await (0,promises_.rm)(staging, { recursive: true, force: true });
    }
}
function cacheRoot() {
    const root = process.env.RUNNER_TOOL_CACHE;
    if (!root)
        throw new Error('RUNNER_TOOL_CACHE is not set: the action runs on a GitHub runner, or under scripts/run-example.mjs');
    return root;
}

;// CONCATENATED MODULE: ./src/kernel.ts
/**
 * Stage 2: the Nanos kernel release and ops's common files, resolved, downloaded and cached by
 * this action so that `ops build` downloads nothing (ops-contract.md §3). A cache entry
 * `nanos/<V>/<arch>` holds `release/` (the tarball's contents: kernel.img, boot.img, klibs/...),
 * `common.tar.gz` and `common/`.
 */









const TOOL = 'nanos';
async function installKernel(req) {
    const version = await resolveVersion(req);
    const cached = findCached(TOOL, version, req.arch);
    if (cached) {
        info(`Nanos ${version} (${req.arch}) found in the tool cache: ${cached}`);
        return { version, arch: req.arch, dir: cached, downloaded: false };
    }
    const entry = await (0,promises_.mkdtemp)(external_node_path_.join(req.tempDir, 'nanos-'));
    const url = nanosReleaseUrl(req.mirror, version, req.arch);
    const tarball = external_node_path_.join(req.tempDir, `nanos-${version}-${req.arch}.tar.gz`);
    info(`Downloading Nanos ${version} (${req.arch}) from ${url}`);
    try {
        await downloadFile(url, tarball, req.policy);
    }
    catch (error) {
        if (isMissing(error)) {
            throw new ActionError(`Nanos ${version} is not published for ${req.arch}: ${url} answered HTTP ${error.status}. Check \`nanos-version\` against https://github.com/nanovms/nanos/releases.`, { cause: error });
        }
        throw new ActionError(`Could not download Nanos ${version}: ${describe(error)}`, {
            cause: error
        });
    }
    const release = external_node_path_.join(entry, 'release');
    await (0,promises_.mkdir)(release);
    try {
        await extractTar(tarball, release);
    }
    catch (error) {
        throw new ActionError(`The Nanos ${version} download from ${url} is not a valid .tar.gz (${describe(error)}); it was not cached.`, { cause: error });
    }
    if (!(0,external_node_fs_.existsSync)(external_node_path_.join(release, 'kernel.img'))) {
        throw new ActionError(`The Nanos ${version} release from ${url} holds no kernel.img; it was not cached. Is \`mirror\` right?`);
    }
    // Ops fetches these itself with a 10 s timeout and silently builds without them on failure;
    // here a failure is retried, then reported, and the entry is not cached so a later run tries again.
    const common = await fetchCommon(req, entry);
    if (!common)
        return { version, arch: req.arch, dir: entry, downloaded: true };
    const dir = await cacheDirAtomic(entry, TOOL, version, req.arch);
    return { version, arch: req.arch, dir, downloaded: true };
}
/** tool-cache's tar extraction, loaded only on a download (it brings an HTTP stack along). */
async function extractTar(file, dest) {
    const tc = await Promise.all(/* import() */[__nccwpck_require__.e(942), __nccwpck_require__.e(838), __nccwpck_require__.e(805)]).then(__nccwpck_require__.bind(__nccwpck_require__, 59805));
    await tc.extractTar(file, dest, 'xz');
}
async function fetchCommon(req, entry) {
    const url = nanosCommonUrl(req.mirror);
    const file = external_node_path_.join(entry, 'common.tar.gz');
    try {
        await downloadFile(url, file, req.policy);
        await (0,promises_.mkdir)(external_node_path_.join(entry, 'common'));
        await extractTar(file, external_node_path_.join(entry, 'common'));
        return true;
    }
    catch (error) {
        // Nothing half-extracted may reach the ops home.
        await (0,promises_.rm)(external_node_path_.join(entry, 'common'), { recursive: true, force: true });
        await (0,promises_.rm)(file, { force: true });
        runner_warning(`Could not get Nanos's common files (CA certificates, DNS resolver library) from ${url}: ${describe(error)}. The image is built without them, as ops itself would; the kernel is not cached so that the next run tries again.`);
        return false;
    }
}
async function resolveVersion(req) {
    if (req.spec.kind === 'exact')
        return req.spec.version;
    if (!req.checkLatest) {
        const recent = recentLatest(TOOL, req.arch);
        if (recent) {
            info(`nanos-version latest: Nanos ${recent}, resolved in the last 24 hours and cached (set check-latest: true to look again now)`);
            return recent;
        }
    }
    const url = nanosLatestUrl(req.mirror);
    let text;
    try {
        text = await fetchText(url, req.policy);
    }
    catch (error) {
        throw new ActionError(`Could not look up the latest Nanos release at ${url}: ${describe(error)}. Pin \`nanos-version\` to skip the lookup.`, { cause: error });
    }
    const version = parseVersion(text);
    if (!version)
        throw new ActionError(`${url} does not hold a version number (it starts with ${JSON.stringify(text.slice(0, 40))}); is \`mirror\` right?`);
    info(`nanos-version latest is Nanos ${version}`);
    await rememberLatest(TOOL, req.arch, version);
    return version;
}

;// CONCATENATED MODULE: ./src/ops.ts
/**
 * Stage 1: the Ops CLI. Resolves the version, finds it in the tool cache or downloads the
 * versioned binary from `mirror`, verifies it against the published md5 (and `ops-sha256`)
 * before it is cached or ever executed, and caches it by version and host architecture.
 * Never the install script, never `ops update` (ops-contract.md §1).
 */












const ops_TOOL = 'ops';
async function installOps(req) {
    if (req.opsPath) {
        const tool = await preinstalled(req.opsPath, req.sha256, req.tempDir);
        requireMinimum(tool.version, req.minimum);
        return tool;
    }
    const version = await ops_resolveVersion(req);
    requireMinimum(version, req.minimum);
    const cached = findCached(ops_TOOL, version, req.host.arch);
    if (cached) {
        const file = external_node_path_.join(cached, 'ops');
        info(`Ops ${version} found in the tool cache: ${cached}`);
        // A shared tool cache holds what any job put there: a pin is checked on every use.
        if (req.sha256)
            await checkSha256(file, req.sha256, 'the cached Ops binary');
        return { path: file, version, downloaded: false };
    }
    const urls = opsUrls(req.mirror, version, req.host);
    const platform = `${req.host.os}/${req.host.arch}`;
    let md5Text;
    try {
        md5Text = await fetchText(urls.md5, req.policy);
    }
    catch (error) {
        if (isMissing(error)) {
            throw new ActionError(`Ops ${version} is not published for ${platform}: ${urls.md5} answered HTTP ${error.status}. Check \`ops-version\` against https://github.com/nanovms/ops/releases (versioned downloads exist from 0.1.25 on).`, { cause: error });
        }
        throw new ActionError(`Could not download the checksum of Ops ${version}: ${describe(error)}`, {
            cause: error
        });
    }
    const expectedMd5 = md5Text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!/^[0-9a-f]{32}$/.test(expectedMd5)) {
        throw new ActionError(`${urls.md5} does not hold an md5 checksum (it starts with ${JSON.stringify(md5Text.slice(0, 40))}); is \`mirror\` right?`);
    }
    const dir = await (0,promises_.mkdtemp)(external_node_path_.join(req.tempDir, 'ops-'));
    const file = external_node_path_.join(dir, 'ops');
    info(`Downloading Ops ${version} for ${platform} from ${urls.binary}`);
    let got;
    try {
        got = await downloadFile(urls.binary, file, req.policy, ['md5', 'sha256']);
    }
    catch (error) {
        throw new ActionError(`Could not download Ops ${version} from ${urls.binary}: ${describe(error)}`, { cause: error });
    }
    await verify(file, 'md5', expectedMd5, got.digests.md5, urls.binary);
    if (req.sha256)
        await verify(file, 'sha256', req.sha256, got.digests.sha256, urls.binary, 'ops-sha256');
    info(`Verified: md5 ${got.digests.md5}, sha256 ${got.digests.sha256}, ${got.bytes} bytes`);
    await (0,promises_.chmod)(file, 0o755);
    const cachedDir = await cacheDirAtomic(dir, ops_TOOL, version, req.host.arch);
    return { path: external_node_path_.join(cachedDir, 'ops'), version, downloaded: true };
}
function requireMinimum(version, minimum) {
    if (minimum && parseVersion(version) && compareVersions(version, minimum) < 0) {
        throw new ActionError(`Ops ${version} builds images whose workspace mount Gevulot nodes do not attach (Ops renumbers %1 to mount tag 0 from ${minimum} on): use ${minimum} or later, or set \`profile: nanos\`.`);
    }
}
async function verify(file, algorithm, expected, actual, url, input) {
    if (expected === actual)
        return;
    await (0,promises_.rm)(file, { force: true });
    const source = input ? `\`${input}\`` : 'the published checksum';
    throw new ActionError(`The Ops binary from ${url} failed verification: ${algorithm} expected ${expected} (${source}), got ${actual}. It was deleted and not cached; the download was corrupted or the file was replaced.`);
}
async function ops_resolveVersion(req) {
    if (req.spec.kind === 'exact')
        return req.spec.version;
    if (!req.checkLatest) {
        const recent = recentLatest(ops_TOOL, req.host.arch);
        if (recent) {
            info(`ops-version latest: Ops ${recent}, resolved in the last 24 hours and cached (set check-latest: true to look again now)`);
            return recent;
        }
    }
    // Ops publishes no "latest version" file; walk the versioned checksums up from a known release.
    let version = DEFAULT_OPS_VERSION;
    for (let steps = 0; steps < 500; steps++) {
        let next;
        for (const candidate of successors(version)) {
            if (await published(opsUrls(req.mirror, candidate, req.host).md5, req.policy)) {
                next = candidate;
                break;
            }
        }
        if (!next)
            break;
        version = next;
    }
    info(`ops-version latest is Ops ${version}`);
    await rememberLatest(ops_TOOL, req.host.arch, version);
    return version;
}
async function published(url, policy) {
    try {
        await fetchText(url, policy);
        return true;
    }
    catch (error) {
        if (isMissing(error))
            return false;
        throw new ActionError(`Could not look up the latest Ops release: ${describe(error)}`, {
            cause: error
        });
    }
}
/** `ops-path`: an ops someone installed; its version is what it says of itself. */
async function preinstalled(opsPath, sha256, tempDir) {
    // preflight.ts has checked that it is an executable file.
    if (sha256)
        await checkSha256(opsPath, sha256, `\`ops-path\` ${opsPath}`);
    const { getExecOutput } = await Promise.resolve(/* import() */).then(__nccwpck_require__.bind(__nccwpck_require__, 75260));
    // Even `ops version` creates its home and looks up latest.txt: give it a private, offline one.
    const home = await openOpsHome(await (0,promises_.mkdtemp)(external_node_path_.join(tempDir, 'ops-version-')), '0.0.0');
    let out;
    try {
        out = await getExecOutput(opsPath, ['version'], {
            silent: true,
            ignoreReturnCode: true,
            env: home.env
        });
    }
    finally {
        await home.close();
    }
    const match = /Ops version:\s*(\S+)/.exec(stripAnsi(out.stdout));
    const version = match ? (parseVersion(match[1]) ?? match[1]) : 'unknown';
    info(`Using the preinstalled Ops ${version} at ${opsPath}`);
    return { path: opsPath, version, downloaded: false };
}
async function checkSha256(file, expected, what) {
    const actual = await sha256File(file);
    if (actual !== expected) {
        throw new ActionError(`Input \`ops-sha256\`: ${what} (${file}) has sha256 ${actual}, expected ${expected}. It was not run.`);
    }
}
async function sha256File(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for await (const chunk of (0,external_node_fs_.createReadStream)(file))
        hash.update(chunk);
    return hash.digest('hex');
}

;// CONCATENATED MODULE: ./src/elf.ts
/** How many leading bytes `elfArch` needs. */
const ELF_HEADER_BYTES = 20;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_NAMES = {
    3: 'x86 (32-bit)',
    8: 'MIPS',
    20: 'PowerPC',
    21: 'PowerPC64',
    40: 'ARM (32-bit)',
    243: 'RISC-V'
};
/** The image architecture for an ELF header, or a sentence saying what is wrong with it. */
function elfArch(header) {
    const magic = header.length >= 4 &&
        header[0] === 0x7f &&
        header[1] === 0x45 &&
        header[2] === 0x4c &&
        header[3] === 0x46;
    if (!magic) {
        const text = new TextDecoder().decode(header.subarray(0, 2));
        const hint = text === '#!' ? ' (it is a script)' : '';
        return {
            problem: `is not an ELF executable${hint}: give the compiled Linux program, e.g. target/release/my_prover.`
        };
    }
    if (header.length < ELF_HEADER_BYTES)
        return { problem: 'is a truncated ELF file.' };
    if (header[4] !== 2)
        return {
            problem: 'is a 32-bit ELF program: Nanos runs 64-bit programs only; build for x86_64 (or aarch64).'
        };
    if (header[5] !== 1)
        return { problem: 'is a big-endian ELF program: build for little-endian x86_64 (or aarch64).' };
    const machine = header[18] | (header[19] << 8);
    if (machine === EM_X86_64)
        return { arch: 'amd64' };
    if (machine === EM_AARCH64)
        return { arch: 'arm64' };
    const name = EM_NAMES[machine] ?? `machine ${machine}`;
    return {
        problem: `is built for ${name}: Nanos images run x86_64 (amd64) or aarch64 (arm64) programs.`
    };
}

;// CONCATENATED MODULE: ./src/manifest.ts
/**
 * Stage 3: the Nanos manifest (the ops config). Pure: composes the JSON ops will read from the
 * inputs and an optional base manifest, and validates it the way ops parses it, because ops
 * exits 0 without an image on a config it cannot parse (ops-contract.md §4, §5).
 */



/** The top-level keys ops 0.1.46 accepts (case-insensitively) and the JSON type of each. */
const SCHEMA = {
    Args: 'strings',
    BaseVolumeSz: 'string',
    Boot: 'string',
    BuildDir: 'string',
    CloudConfig: 'object',
    Debugflags: 'strings',
    Description: 'string',
    DisableArgsCopy: 'boolean',
    Dirs: 'strings',
    Env: 'stringMap',
    Files: 'strings',
    Force: 'boolean',
    Kernel: 'string',
    KlibDir: 'string',
    Klibs: 'strings',
    Language: 'string',
    LocalFilesParentDirectory: 'string',
    ManifestPassthrough: 'passthrough',
    MapDirs: 'stringMap',
    Mounts: 'stringMap',
    NameServers: 'strings',
    NanosVersion: 'string',
    NightlyBuild: 'boolean',
    NoTrace: 'strings',
    Program: 'string',
    ProgramPath: 'string',
    RebootOnExit: 'boolean',
    RunConfig: 'object',
    TargetConfig: 'stringMap',
    TargetRoot: 'string',
    Uefi: 'boolean',
    UefiBoot: 'string',
    Version: 'string',
    VolumesDir: 'string'
};
const CANONICAL = new Map(Object.keys(SCHEMA).map(key => [key.toLowerCase(), key]));
const KIND_TEXT = {
    string: 'a string',
    boolean: 'true or false',
    strings: 'an array of strings',
    stringMap: 'an object whose values are strings',
    object: 'an object',
    passthrough: 'an object whose values are strings, arrays or objects'
};
/**
 * Check a manifest against the ops schema and return it with its keys in ops's canonical case.
 * Every problem names the key and is reported against `input`.
 */
function validateManifest(value, input, problems) {
    const fail = (message) => void problems.push({ input, message });
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail('must be a JSON object, e.g. {"Program": "my_prover", "Env": {"RUST_LOG": "info"}}.');
        return {};
    }
    const out = {};
    for (const [key, field] of Object.entries(value)) {
        const canonical = CANONICAL.get(key.toLowerCase());
        if (!canonical) {
            const hint = key === 'Runtime' ? ' (ops documents it but rejects it)' : '';
            fail(`key "${key}" is not an ops configuration key${hint}: ops would print its usage and build nothing. Remove it or fix its spelling.`);
            continue;
        }
        if (Object.hasOwn(out, canonical)) {
            fail(`keys "${canonical}" appear twice (ops matches keys without regard to case): keep one.`);
            continue;
        }
        if (field === null)
            continue;
        const kind = SCHEMA[canonical];
        const problem = typeProblem(kind, field, canonical);
        if (problem)
            fail(problem);
        else
            out[canonical] = field;
    }
    return out;
}
function typeProblem(kind, value, key) {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    const wrong = `"${key}" must be ${KIND_TEXT[kind]}`;
    switch (kind) {
        case 'string':
            return typeof value === 'string' ? undefined : `${wrong}, not ${jsonType(value)}.`;
        case 'boolean':
            return typeof value === 'boolean' ? undefined : `${wrong}, not ${jsonType(value)}.`;
        case 'strings':
            return Array.isArray(value) && value.every(v => typeof v === 'string')
                ? undefined
                : `${wrong}.`;
        case 'object':
            return isObject ? undefined : `${wrong}, not ${jsonType(value)}.`;
        case 'stringMap': {
            if (!isObject)
                return `${wrong}, not ${jsonType(value)}.`;
            const bad = Object.entries(value).find(([, v]) => typeof v !== 'string');
            return bad
                ? `"${key}.${bad[0]}" must be a string, not ${jsonType(bad[1])}: quote it.`
                : undefined;
        }
        case 'passthrough': {
            if (!isObject)
                return `${wrong}, not ${jsonType(value)}.`;
            for (const [k, v] of Object.entries(value)) {
                const leaf = badLeaf(v);
                if (leaf !== undefined) {
                    return `"${key}.${k}" holds ${leaf}: ops fails to write the image on a boolean or number here. Quote it, e.g. "readonly_rootfs": "true".`;
                }
            }
            return undefined;
        }
    }
}
/** The JSON type of the first value that is neither a string, an array nor an object. */
function badLeaf(value) {
    if (typeof value === 'string')
        return undefined;
    if (Array.isArray(value))
        return value.map(badLeaf).find(x => x !== undefined);
    if (typeof value === 'object' && value !== null)
        return Object.values(value)
            .map(badLeaf)
            .find(x => x !== undefined);
    return `${jsonType(value)} ${JSON.stringify(value)}`;
}
function jsonType(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'an array';
    return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
/**
 * The manifest ops will build from: the base manifest, the inputs that are set on top of it
 * (maps merge key by key, lists and strings are replaced), then the defaults, then the profile's
 * rules. Problems are reported against the input that caused them.
 */
function composeManifest(inputs, base, arch, problems) {
    const m = structuredClone(base?.manifest ?? {});
    const warnings = [];
    const fromBase = (key) => base !== undefined && Object.hasOwn(base.manifest, key);
    // The program sits at /<Program> in the image; ops opens Program relative to its working
    // directory, which build.ts prepares, so Program must be a plain name.
    let program = inputs.program;
    if (program === undefined && typeof m.Program === 'string') {
        program = m.Program.replace(/^\.\//, '');
        if (/[/\\]/.test(program)) {
            problems.push({
                input: 'manifest',
                message: `"Program": "${m.Program}" is a path; this action places the program at /<program>. Set \`program\` (or "Program") to a plain name such as "${external_node_path_.basename(program)}".`
            });
        }
        else {
            const before = problems.length;
            checkName('manifest', program, problems);
            for (const problem of problems.slice(before))
                problem.message = `"Program" ${problem.message}`;
        }
    }
    program ??= external_node_path_.basename(inputs.binary);
    m.Program = program;
    if (inputs.env)
        m.Env = { ...m.Env, ...inputs.env };
    if (inputs.args)
        m.Args = inputs.args;
    if (inputs.files)
        m.Files = inputs.files;
    if (inputs.dirs)
        m.Dirs = inputs.dirs;
    if (inputs.klibs)
        m.Klibs = inputs.klibs;
    if (inputs.klibDir)
        m.KlibDir = inputs.klibDir;
    if (inputs.baseVolumeSize)
        m.BaseVolumeSz = inputs.baseVolumeSize;
    if (inputs.mounts)
        m.Mounts = { ...m.Mounts, ...inputs.mounts };
    else if (!fromBase('Mounts'))
        m.Mounts = { ...DEFAULT_MOUNTS };
    const passthrough = { ...m.ManifestPassthrough };
    const readonly = inputs.readonlyRootfs ?? (Object.hasOwn(passthrough, 'readonly_rootfs') ? undefined : true);
    // Nanos makes the root read-only whenever the key is present, whatever its value.
    if (readonly === true)
        passthrough.readonly_rootfs = 'true';
    if (readonly === false)
        delete passthrough.readonly_rootfs;
    if (readonly === undefined &&
        passthrough.readonly_rootfs !== 'true' &&
        inputs.profile === 'nanos') {
        warnings.push(`The manifest sets ManifestPassthrough.readonly_rootfs to ${JSON.stringify(passthrough.readonly_rootfs)}, but Nanos makes the root read-only whenever the key is present, whatever its value. Set \`readonly-rootfs: false\` to leave the key out for a writable root, or \`true\` to say so.`);
    }
    m.ManifestPassthrough = passthrough;
    if (Object.keys(passthrough).length === 0)
        delete m.ManifestPassthrough;
    if (base) {
        // MapDirs keys resolve against the config file's directory, and ours is written elsewhere.
        if (m.MapDirs) {
            const dir = external_node_path_.dirname(base.path);
            m.MapDirs = Object.fromEntries(Object.entries(m.MapDirs).map(([k, v]) => [
                external_node_path_.resolve(dir, k),
                v
            ]));
        }
        if (typeof m.KlibDir === 'string' && !inputs.klibDir)
            m.KlibDir = external_node_path_.resolve(inputs.workingDirectory, m.KlibDir);
        for (const key of ['NanosVersion', 'Kernel', 'Boot']) {
            if (Object.hasOwn(m, key)) {
                warnings.push(`The manifest's "${key}" is ignored: ops uses the kernel of \`nanos-version\` (${key === 'NanosVersion' ? 'set nanos-version instead' : 'it clears Kernel and Boot'}).`);
                delete m[key];
            }
        }
    }
    for (const [key, input] of [
        ['Files', 'files'],
        ['Dirs', 'dirs']
    ]) {
        for (const entry of m[key] ?? []) {
            if (entry.split(/[/\\]/).includes('..') && !inputs[input]) {
                problems.push({
                    input: 'manifest',
                    message: `"${key}" entry "${entry}" leaves the working directory: use a path inside \`working-directory\`.`
                });
            }
        }
    }
    if (inputs.profile === 'gevulot')
        gevulotRules(inputs, m, arch, problems);
    const imageName = inputs.imageName ?? program;
    return { manifest: m, program, imageName, warnings };
}
/** Gevulot's mandatory elements (gevulot-prover-verifier-packaging.md, ops-contract.md §6). */
function gevulotRules(inputs, m, arch, problems) {
    const why = 'Gevulot requires it; set `profile: nanos` to build a general Nanos image instead.';
    const passthrough = (m.ManifestPassthrough ?? {});
    if (passthrough.readonly_rootfs !== 'true') {
        problems.push(inputs.readonlyRootfs === false
            ? {
                input: 'readonly-rootfs',
                message: `false breaks the read-only root filesystem (ManifestPassthrough.readonly_rootfs "true") that ${why}`
            }
            : {
                input: 'manifest',
                message: `sets ManifestPassthrough.readonly_rootfs to ${JSON.stringify(passthrough.readonly_rootfs)}; it must be the string "true": ${why}`
            });
    }
    const mounts = (m.Mounts ?? {});
    if (mounts['%1'] !== '/workspace') {
        problems.push({
            input: inputs.mounts ? 'mounts' : 'manifest',
            message: `must mount the workspace volume as %1:/workspace (Mounts {"%1": "/workspace"}): ${why}`
        });
    }
    const ops = inputs.opsVersion;
    if (!inputs.opsPath &&
        ops.kind === 'exact' &&
        compareVersions(ops.version, GEVULOT_MIN_OPS) < 0) {
        problems.push({
            input: 'ops-version',
            message: `${ops.version} builds images whose workspace mount Gevulot nodes do not attach: Ops renumbers %1 to the mount tag 0 they use only from ${GEVULOT_MIN_OPS} on. Use ${GEVULOT_MIN_OPS} or later.`
        });
    }
    if (arch !== 'amd64') {
        problems.push({
            input: inputs.arch === arch ? 'arch' : 'binary',
            message: `is ${arch}, but Gevulot runs x86_64 programs only: build for x86_64-unknown-linux-gnu, or set \`profile: nanos\`.`
        });
    }
    m.Env ??= {};
}

;// CONCATENATED MODULE: ./src/preflight.ts
/**
 * The checks that need the disk but no network, run before anything slow: the runner's
 * platform, the binary's ELF header, the base manifest, the files and folders to include, the
 * output folder. Produces the plan the later stages follow, or one `InputError` with every
 * problem found.
 */








async function preflight(inputs, platform = process.platform, cpu = process.arch) {
    const problems = [];
    const host = hostOf(platform, cpu);
    if (typeof host === 'string')
        throw new InputError([{ input: 'runs-on', message: host }]);
    if (!(await isDir(inputs.workingDirectory))) {
        throw new InputError([
            { input: 'working-directory', message: `${inputs.workingDirectory} is not a directory.` }
        ]);
    }
    const arch = await binaryArch(inputs, problems);
    const base = inputs.manifest ? await readBase(inputs.manifest, problems) : undefined;
    const composed = composeManifest(inputs, base, arch ?? inputs.arch ?? 'amd64', problems);
    await checkIncluded(inputs, composed.manifest, problems);
    if (inputs.klibDir && !(await isDir(inputs.klibDir))) {
        problems.push({
            input: 'klib-dir',
            message: `${inputs.klibDir} is not a directory: give the folder that holds the klib files.`
        });
    }
    if (inputs.opsPath) {
        try {
            await (0,promises_.access)(inputs.opsPath, external_node_fs_.constants.X_OK);
        }
        catch {
            problems.push({ input: 'ops-path', message: `${inputs.opsPath} is not an executable file.` });
        }
    }
    const artifactName = inputs.artifactName ?? composed.imageName;
    if (inputs.upload && !inputs.artifactName) {
        const problem = artifactNameProblem(artifactName);
        if (problem)
            problems.push({
                input: 'artifact-name',
                message: `${problem} It defaults to the image name; set it explicitly.`
            });
    }
    const imagePath = external_node_path_.join(inputs.outputDir, composed.imageName);
    const inputsToKeep = [
        inputs.binary,
        inputs.manifest,
        ...(composed.manifest.Files ?? []).map(f => external_node_path_.join(inputs.workingDirectory, f))
    ];
    const written = [imagePath, `${imagePath}.manifest.json`];
    if (inputsToKeep.some(file => file !== undefined && written.includes(external_node_path_.resolve(file)))) {
        problems.push({
            input: inputs.imageName ? 'image-name' : 'output-dir',
            message: `the image (or its manifest) would be written to ${imagePath}, over one of your input files: choose another \`output-dir\` or \`image-name\`.`
        });
    }
    if (problems.length === 0)
        await checkWritable(inputs.outputDir, problems);
    if (problems.length > 0)
        throw new InputError(problems);
    const warnings = [...composed.warnings];
    const mirror = new URL(inputs.mirror);
    if (mirror.protocol === 'http:' &&
        !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(mirror.hostname)) {
        warnings.push(`\`mirror\` ${inputs.mirror} uses plain HTTP: downloads can be altered on the way. Ops is still checked against the md5 published beside it (set \`ops-sha256\` to pin it independently); the kernel has no published checksum. Prefer https.`);
    }
    return {
        inputs,
        host,
        arch: arch,
        manifest: composed.manifest,
        program: composed.program,
        imageName: composed.imageName,
        artifactName,
        warnings
    };
}
async function binaryArch(inputs, problems) {
    const fail = (message) => void problems.push({ input: 'binary', message: `${inputs.binary} ${message}` });
    let info;
    try {
        info = await (0,promises_.stat)(inputs.binary);
    }
    catch {
        return fail('does not exist: build the program before this step, and check `working-directory`.');
    }
    if (!info.isFile())
        return fail(info.isDirectory()
            ? 'is a directory: give the compiled program file inside it.'
            : 'is not a regular file.');
    const header = Buffer.alloc(ELF_HEADER_BYTES);
    const handle = await (0,promises_.open)(inputs.binary, 'r');
    let length;
    try {
        ;
        ({ bytesRead: length } = await handle.read(header, 0, ELF_HEADER_BYTES, 0));
    }
    finally {
        await handle.close();
    }
    const result = elfArch(header.subarray(0, length));
    if ('problem' in result)
        return fail(result.problem);
    if (inputs.arch && inputs.arch !== result.arch) {
        problems.push({
            input: 'arch',
            message: `is ${inputs.arch}, but ${inputs.binary} is an ${result.arch} program: remove \`arch\` (it is read from the binary) or build for ${inputs.arch}.`
        });
    }
    return result.arch;
}
async function readBase(file, problems) {
    let text;
    try {
        text = await (0,promises_.readFile)(file, 'utf8');
    }
    catch {
        problems.push({
            input: 'manifest',
            message: `${file} cannot be read: check the path (relative to \`working-directory\`).`
        });
        return undefined;
    }
    let json;
    try {
        json = JSON.parse(text);
    }
    catch (error) {
        problems.push({
            input: 'manifest',
            message: `${file} is not valid JSON: ${error.message}.`
        });
        return undefined;
    }
    const before = problems.length;
    const manifest = validateManifest(json, 'manifest', problems);
    for (const problem of problems.slice(before))
        problem.message = `${external_node_path_.basename(file)}: ${problem.message}`;
    return { path: file, manifest };
}
/** Files and Dirs are read relative to the working directory; a missing one would fail ops late. */
async function checkIncluded(inputs, manifest, problems) {
    for (const [key, input, wantDir] of [
        ['Files', 'files', false],
        ['Dirs', 'dirs', true]
    ]) {
        const source = inputs[input] ? input : 'manifest';
        for (const entry of manifest[key] ?? []) {
            const host = external_node_path_.join(inputs.workingDirectory, entry);
            const link = await (0,promises_.lstat)(host).catch(() => undefined);
            const info = await (0,promises_.stat)(host).catch(() => undefined);
            const fail = (message) => void problems.push({ input: source, message });
            if (wantDir && link?.isSymbolicLink()) {
                // Ops stores a link met in Dirs as a link, not the files behind it: a broken image.
                fail(`${entry} is a symbolic link: ops would put the link into the image, not the files behind it. List the real directory (${await (0,promises_.realpath)(host).catch(() => 'its target')}) or copy it here.`);
            }
            else if (!info) {
                fail(link
                    ? `${entry} is a symbolic link to nothing.`
                    : `${entry} does not exist in ${inputs.workingDirectory}.`);
            }
            else if (wantDir && !info.isDirectory()) {
                fail(`${entry} is not a directory: list files under \`files\`.`);
            }
            else if (!wantDir && info.isDirectory()) {
                fail(`${entry} is a directory: list directories under \`dirs\`.`);
            }
        }
    }
}
async function checkWritable(dir, problems) {
    const probe = external_node_path_.join(dir, `.nanos-image-action-${process.pid}-probe`);
    try {
        await (0,promises_.mkdir)(dir, { recursive: true });
        await (0,promises_.writeFile)(probe, '');
        await (0,promises_.rm)(probe);
    }
    catch (error) {
        problems.push({
            input: 'output-dir',
            message: `${dir} cannot be written (${error.code ?? error.message}): choose a writable folder.`
        });
    }
}
async function isDir(dir) {
    return (await (0,promises_.stat)(dir).catch(() => undefined))?.isDirectory() ?? false;
}

;// CONCATENATED MODULE: ./src/report.ts
/**
 * Stage 7: step outputs and the job summary. The summary is built by a pure function: untrusted
 * text is HTML-escaped and the values of `env` never appear (keys only).
 */


/** Every output about the image, set before the upload starts so a later step can use it even if the upload fails. */
function setImageOutputs(r) {
    setOutput('image-path', r.imagePath);
    setOutput('image-name', r.imageName);
    setOutput('image-size', String(r.facts.size));
    setOutput('image-sha256', r.facts.sha256);
    setOutput('image-blake3', r.facts.blake3);
    setOutput('manifest-path', r.manifestPath);
    setOutput('ops-version', r.opsVersion);
    setOutput('nanos-version', r.nanosVersion);
    setOutput('cache-hit', String(r.cacheHit));
}
function setArtifactOutputs(a) {
    setOutput('artifact-id', String(a.id));
    setOutput('artifact-url', a.url);
    setOutput('artifact-digest', a.digest);
}
/** The manifest as it may be shown: every `Env` value replaced by `***`. */
function redactManifest(manifest) {
    const env = manifest.Env;
    if (!env)
        return manifest;
    return { ...manifest, Env: Object.fromEntries(Object.keys(env).map(k => [k, '***'])) };
}
function escapeHtml(text) {
    return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function formatBytes(bytes) {
    const units = ['bytes', 'KiB', 'MiB', 'GiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}
/** The job summary, as HTML/Markdown. */
function summaryMarkdown(r, artifact, env) {
    const e = escapeHtml;
    const rows = [
        ['Image', `<code>${e(r.imageName)}</code>`],
        ['Size', e(formatBytes(r.facts.size))],
        ['BLAKE3 (Gevulot image hash)', `<code>${r.facts.blake3}</code>`],
        ['sha256', `<code>${r.facts.sha256}</code>`],
        ['Ops', e(r.opsVersion)],
        ['Nanos', `${e(r.nanosVersion)} (${e(r.arch)})`],
        ['Tool cache hit', r.cacheHit ? 'yes' : 'no']
    ];
    if (artifact) {
        // Host-relative, so the link follows the server the summary is viewed on.
        const href = `/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/artifacts/${artifact.id}`;
        rows.push([
            'Artifact',
            `<a href="${e(href)}">${e(artifact.name)}</a> (digest <code>${e(artifact.digest)}</code>)`
        ]);
    }
    const table = rows
        .map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${v}</td></tr>`)
        .join('\n');
    const manifest = e(JSON.stringify(redactManifest(r.manifest), null, 2));
    return [
        `### Nanos image <code>${e(r.imageName)}</code>`,
        '',
        `<table>\n${table}\n</table>`,
        '',
        `<details><summary>Manifest</summary>\n\n<pre lang="json">${manifest}</pre>\n\n</details>`,
        ''
    ].join('\n');
}
/** Append the summary; a failure to write it only warns. */
async function writeSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY) {
        debug('No GITHUB_STEP_SUMMARY (not on a runner): no job summary written');
        return;
    }
    try {
        await appendSummary(markdown);
    }
    catch (error) {
        runner_warning(`Could not write the job summary: ${describe(error)}`);
    }
}

;// CONCATENATED MODULE: ./src/main.ts
/**
 * The action, stage by stage: inputs → Ops → kernel → manifest → build → image facts →
 * outputs → artifact → summary. Each stage is a module with a typed interface; this file only
 * runs them in order and turns a failure into one clear error.
 */















/** Values shorter than this are not masked: masking "1" or "on" would garble every log line. */
const MIN_SECRET_LENGTH = 4;
async function run(env = process.env) {
    let workDir;
    try {
        const inputs = parseInputs({ env, cwd: process.cwd(), tmpdir: external_node_os_.tmpdir() });
        maskEnvValues(inputs);
        const plan = await preflight(inputs);
        for (const warning of plan.warnings)
            runner_warning(warning);
        const runnerTemp = env.RUNNER_TEMP || external_node_os_.tmpdir();
        workDir = await (0,promises_.mkdtemp)(external_node_path_.join(runnerTemp, 'nanos-image-action-'));
        const policy = retryPolicy(env);
        const { mirror, checkLatest } = inputs;
        const ops = await group('Ops', () => installOps({
            spec: inputs.opsVersion,
            sha256: inputs.opsSha256,
            opsPath: inputs.opsPath,
            checkLatest,
            mirror,
            host: plan.host,
            // Gevulot's workspace mount needs Ops to renumber %1 to mount tag 0.
            minimum: inputs.profile === 'gevulot' ? GEVULOT_MIN_OPS : undefined,
            policy,
            tempDir: workDir
        }));
        const kernel = await group('Nanos kernel', () => installKernel({
            spec: inputs.nanosVersion,
            checkLatest,
            arch: plan.arch,
            mirror,
            policy,
            tempDir: workDir
        }));
        const manifestPath = external_node_path_.join(inputs.outputDir, `${plan.imageName}.manifest.json`);
        await writeManifest(plan.manifest, manifestPath);
        const imagePath = await group(`ops build (${plan.program}, Nanos ${kernel.version}, ${plan.arch})`, () => buildImage({ plan, ops, kernel, manifestPath, workDir: workDir }));
        const hashStart = performance.now();
        const facts = await imageFacts(imagePath);
        const hashSeconds = ((performance.now() - hashStart) / 1000).toFixed(2);
        const report = {
            imagePath,
            imageName: plan.imageName,
            facts,
            manifestPath,
            manifest: plan.manifest,
            opsVersion: ops.version,
            nanosVersion: kernel.version,
            arch: plan.arch,
            cacheHit: !ops.downloaded && !kernel.downloaded
        };
        setImageOutputs(report);
        info(`Image ${imagePath}: ${facts.size} bytes, BLAKE3 ${facts.blake3}, sha256 ${facts.sha256} (hashed in ${hashSeconds} s)`);
        const artifact = inputs.upload
            ? await group('Upload artifact', () => uploadImage({
                imagePath,
                artifactName: plan.artifactName,
                archive: inputs.archive,
                compressionLevel: inputs.compressionLevel,
                retentionDays: inputs.retentionDays,
                overwrite: inputs.overwrite,
                required: inputs.uploadRequired,
                tempDir: workDir,
                env
            }))
            : undefined;
        if (artifact)
            setArtifactOutputs(artifact);
        if (inputs.summary)
            await writeSummary(summaryMarkdown(report, artifact, env));
    }
    catch (error) {
        setFailed(describe(error));
        if (error instanceof Error && error.cause)
            debug(`Cause: ${describe(error.cause)}`);
    }
    finally {
        if (workDir)
            await (0,promises_.rm)(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
}
/** Register the values of `env` as secrets before anything could print them. */
function maskEnvValues(inputs) {
    for (const value of Object.values(inputs.env ?? {})) {
        if (value.length >= MIN_SECRET_LENGTH)
            setSecret(value);
    }
}


/***/ }),

/***/ 42613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 20181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 35317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 49140:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("constants");

/***/ }),

/***/ 76982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 24434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 79896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 91943:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs/promises");

/***/ }),

/***/ 58611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 65692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 69278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 34589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 16698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 37540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 77598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 53053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 40610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 78474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 73024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 51455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 37067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 32467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 44708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 98995:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:module");

/***/ }),

/***/ 77030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 48161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 76760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 41792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 57075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 46193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:string_decoder");

/***/ }),

/***/ 41692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 73136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 57975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 73429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 75919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 38522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 70857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 16928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 13193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 64756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 52018:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tty");

/***/ }),

/***/ 87016:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("url");

/***/ }),

/***/ 39023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 43106:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("zlib");

/***/ }),

/***/ 75260:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  m: () => (/* binding */ exec),
  getExecOutput: () => (/* binding */ getExecOutput)
});

// EXTERNAL MODULE: external "string_decoder"
var external_string_decoder_ = __nccwpck_require__(13193);
// EXTERNAL MODULE: external "os"
var external_os_ = __nccwpck_require__(70857);
// EXTERNAL MODULE: external "events"
var external_events_ = __nccwpck_require__(24434);
// EXTERNAL MODULE: external "child_process"
var external_child_process_ = __nccwpck_require__(35317);
// EXTERNAL MODULE: external "path"
var external_path_ = __nccwpck_require__(16928);
// EXTERNAL MODULE: ./node_modules/@actions/io/lib/io.js
var io = __nccwpck_require__(88701);
// EXTERNAL MODULE: ./node_modules/@actions/io/lib/io-util.js
var io_util = __nccwpck_require__(90);
;// CONCATENATED MODULE: external "timers"
const external_timers_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/toolrunner.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};







/* eslint-disable @typescript-eslint/unbound-method */
const IS_WINDOWS = process.platform === 'win32';
/*
 * Class for running command line tools. Handles quoting and arg parsing in a platform agnostic way.
 */
class ToolRunner extends external_events_.EventEmitter {
    constructor(toolPath, args, options) {
        super();
        if (!toolPath) {
            throw new Error("Parameter 'toolPath' cannot be null or empty.");
        }
        this.toolPath = toolPath;
        this.args = args || [];
        this.options = options || {};
    }
    _debug(message) {
        if (this.options.listeners && this.options.listeners.debug) {
            this.options.listeners.debug(message);
        }
    }
    _getCommandString(options, noPrefix) {
        const toolPath = this._getSpawnFileName();
        const args = this._getSpawnArgs(options);
        let cmd = noPrefix ? '' : '[command]'; // omit prefix when piped to a second tool
        if (IS_WINDOWS) {
            // Windows + cmd file
            if (this._isCmdFile()) {
                cmd += toolPath;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows + verbatim
            else if (options.windowsVerbatimArguments) {
                cmd += `"${toolPath}"`;
                for (const a of args) {
                    cmd += ` ${a}`;
                }
            }
            // Windows (regular)
            else {
                cmd += this._windowsQuoteCmdArg(toolPath);
                for (const a of args) {
                    cmd += ` ${this._windowsQuoteCmdArg(a)}`;
                }
            }
        }
        else {
            // OSX/Linux - this can likely be improved with some form of quoting.
            // creating processes on Unix is fundamentally different than Windows.
            // on Unix, execvp() takes an arg array.
            cmd += toolPath;
            for (const a of args) {
                cmd += ` ${a}`;
            }
        }
        return cmd;
    }
    _processLineBuffer(data, strBuffer, onLine) {
        try {
            let s = strBuffer + data.toString();
            let n = s.indexOf(external_os_.EOL);
            while (n > -1) {
                const line = s.substring(0, n);
                onLine(line);
                // the rest of the string ...
                s = s.substring(n + external_os_.EOL.length);
                n = s.indexOf(external_os_.EOL);
            }
            return s;
        }
        catch (err) {
            // streaming lines to console is best effort.  Don't fail a build.
            this._debug(`error processing line. Failed with error ${err}`);
            return '';
        }
    }
    _getSpawnFileName() {
        if (IS_WINDOWS) {
            if (this._isCmdFile()) {
                return process.env['COMSPEC'] || 'cmd.exe';
            }
        }
        return this.toolPath;
    }
    _getSpawnArgs(options) {
        if (IS_WINDOWS) {
            if (this._isCmdFile()) {
                let argline = `/D /S /C "${this._windowsQuoteCmdArg(this.toolPath)}`;
                for (const a of this.args) {
                    argline += ' ';
                    argline += options.windowsVerbatimArguments
                        ? a
                        : this._windowsQuoteCmdArg(a);
                }
                argline += '"';
                return [argline];
            }
        }
        return this.args;
    }
    _endsWith(str, end) {
        return str.endsWith(end);
    }
    _isCmdFile() {
        const upperToolPath = this.toolPath.toUpperCase();
        return (this._endsWith(upperToolPath, '.CMD') ||
            this._endsWith(upperToolPath, '.BAT'));
    }
    _windowsQuoteCmdArg(arg) {
        // for .exe, apply the normal quoting rules that libuv applies
        if (!this._isCmdFile()) {
            return this._uvQuoteCmdArg(arg);
        }
        // otherwise apply quoting rules specific to the cmd.exe command line parser.
        // the libuv rules are generic and are not designed specifically for cmd.exe
        // command line parser.
        //
        // for a detailed description of the cmd.exe command line parser, refer to
        // http://stackoverflow.com/questions/4094699/how-does-the-windows-command-interpreter-cmd-exe-parse-scripts/7970912#7970912
        // need quotes for empty arg
        if (!arg) {
            return '""';
        }
        // determine whether the arg needs to be quoted
        const cmdSpecialChars = [
            ' ',
            '\t',
            '&',
            '(',
            ')',
            '[',
            ']',
            '{',
            '}',
            '^',
            '=',
            ';',
            '!',
            "'",
            '+',
            ',',
            '`',
            '~',
            '|',
            '<',
            '>',
            '"'
        ];
        let needsQuotes = false;
        for (const char of arg) {
            if (cmdSpecialChars.some(x => x === char)) {
                needsQuotes = true;
                break;
            }
        }
        // short-circuit if quotes not needed
        if (!needsQuotes) {
            return arg;
        }
        // the following quoting rules are very similar to the rules that by libuv applies.
        //
        // 1) wrap the string in quotes
        //
        // 2) double-up quotes - i.e. " => ""
        //
        //    this is different from the libuv quoting rules. libuv replaces " with \", which unfortunately
        //    doesn't work well with a cmd.exe command line.
        //
        //    note, replacing " with "" also works well if the arg is passed to a downstream .NET console app.
        //    for example, the command line:
        //          foo.exe "myarg:""my val"""
        //    is parsed by a .NET console app into an arg array:
        //          [ "myarg:\"my val\"" ]
        //    which is the same end result when applying libuv quoting rules. although the actual
        //    command line from libuv quoting rules would look like:
        //          foo.exe "myarg:\"my val\""
        //
        // 3) double-up slashes that precede a quote,
        //    e.g.  hello \world    => "hello \world"
        //          hello\"world    => "hello\\""world"
        //          hello\\"world   => "hello\\\\""world"
        //          hello world\    => "hello world\\"
        //
        //    technically this is not required for a cmd.exe command line, or the batch argument parser.
        //    the reasons for including this as a .cmd quoting rule are:
        //
        //    a) this is optimized for the scenario where the argument is passed from the .cmd file to an
        //       external program. many programs (e.g. .NET console apps) rely on the slash-doubling rule.
        //
        //    b) it's what we've been doing previously (by deferring to node default behavior) and we
        //       haven't heard any complaints about that aspect.
        //
        // note, a weakness of the quoting rules chosen here, is that % is not escaped. in fact, % cannot be
        // escaped when used on the command line directly - even though within a .cmd file % can be escaped
        // by using %%.
        //
        // the saving grace is, on the command line, %var% is left as-is if var is not defined. this contrasts
        // the line parsing rules within a .cmd file, where if var is not defined it is replaced with nothing.
        //
        // one option that was explored was replacing % with ^% - i.e. %var% => ^%var^%. this hack would
        // often work, since it is unlikely that var^ would exist, and the ^ character is removed when the
        // variable is used. the problem, however, is that ^ is not removed when %* is used to pass the args
        // to an external program.
        //
        // an unexplored potential solution for the % escaping problem, is to create a wrapper .cmd file.
        // % can be escaped within a .cmd file.
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\'; // double the slash
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '"'; // double the quote
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _uvQuoteCmdArg(arg) {
        // Tool runner wraps child_process.spawn() and needs to apply the same quoting as
        // Node in certain cases where the undocumented spawn option windowsVerbatimArguments
        // is used.
        //
        // Since this function is a port of quote_cmd_arg from Node 4.x (technically, lib UV,
        // see https://github.com/nodejs/node/blob/v4.x/deps/uv/src/win/process.c for details),
        // pasting copyright notice from Node within this function:
        //
        //      Copyright Joyent, Inc. and other Node contributors. All rights reserved.
        //
        //      Permission is hereby granted, free of charge, to any person obtaining a copy
        //      of this software and associated documentation files (the "Software"), to
        //      deal in the Software without restriction, including without limitation the
        //      rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
        //      sell copies of the Software, and to permit persons to whom the Software is
        //      furnished to do so, subject to the following conditions:
        //
        //      The above copyright notice and this permission notice shall be included in
        //      all copies or substantial portions of the Software.
        //
        //      THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
        //      IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
        //      FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
        //      AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
        //      LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
        //      FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
        //      IN THE SOFTWARE.
        if (!arg) {
            // Need double quotation for empty argument
            return '""';
        }
        if (!arg.includes(' ') && !arg.includes('\t') && !arg.includes('"')) {
            // No quotation needed
            return arg;
        }
        if (!arg.includes('"') && !arg.includes('\\')) {
            // No embedded double quotes or backslashes, so I can just wrap
            // quote marks around the whole thing.
            return `"${arg}"`;
        }
        // Expected input/output:
        //   input : hello"world
        //   output: "hello\"world"
        //   input : hello""world
        //   output: "hello\"\"world"
        //   input : hello\world
        //   output: hello\world
        //   input : hello\\world
        //   output: hello\\world
        //   input : hello\"world
        //   output: "hello\\\"world"
        //   input : hello\\"world
        //   output: "hello\\\\\"world"
        //   input : hello world\
        //   output: "hello world\\" - note the comment in libuv actually reads "hello world\"
        //                             but it appears the comment is wrong, it should be "hello world\\"
        let reverse = '"';
        let quoteHit = true;
        for (let i = arg.length; i > 0; i--) {
            // walk the string in reverse
            reverse += arg[i - 1];
            if (quoteHit && arg[i - 1] === '\\') {
                reverse += '\\';
            }
            else if (arg[i - 1] === '"') {
                quoteHit = true;
                reverse += '\\';
            }
            else {
                quoteHit = false;
            }
        }
        reverse += '"';
        return reverse.split('').reverse().join('');
    }
    _cloneExecOptions(options) {
        options = options || {};
        const result = {
            cwd: options.cwd || process.cwd(),
            env: options.env || process.env,
            silent: options.silent || false,
            windowsVerbatimArguments: options.windowsVerbatimArguments || false,
            failOnStdErr: options.failOnStdErr || false,
            ignoreReturnCode: options.ignoreReturnCode || false,
            delay: options.delay || 10000
        };
        result.outStream = options.outStream || process.stdout;
        result.errStream = options.errStream || process.stderr;
        return result;
    }
    _getSpawnOptions(options, toolPath) {
        options = options || {};
        const result = {};
        result.cwd = options.cwd;
        result.env = options.env;
        result['windowsVerbatimArguments'] =
            options.windowsVerbatimArguments || this._isCmdFile();
        if (options.windowsVerbatimArguments) {
            result.argv0 = `"${toolPath}"`;
        }
        return result;
    }
    /**
     * Exec a tool.
     * Output will be streamed to the live console.
     * Returns promise with return code
     *
     * @param     tool     path to tool to exec
     * @param     options  optional exec options.  See ExecOptions
     * @returns   number
     */
    exec() {
        return __awaiter(this, void 0, void 0, function* () {
            // root the tool path if it is unrooted and contains relative pathing
            if (!io_util/* isRooted */.Qh(this.toolPath) &&
                (this.toolPath.includes('/') ||
                    (IS_WINDOWS && this.toolPath.includes('\\')))) {
                // prefer options.cwd if it is specified, however options.cwd may also need to be rooted
                this.toolPath = external_path_.resolve(process.cwd(), this.options.cwd || process.cwd(), this.toolPath);
            }
            // if the tool is only a file name, then resolve it from the PATH
            // otherwise verify it exists (add extension on Windows if necessary)
            this.toolPath = yield io/* which */.K7(this.toolPath, true);
            return new Promise((resolve, reject) => __awaiter(this, void 0, void 0, function* () {
                this._debug(`exec tool: ${this.toolPath}`);
                this._debug('arguments:');
                for (const arg of this.args) {
                    this._debug(`   ${arg}`);
                }
                const optionsNonNull = this._cloneExecOptions(this.options);
                if (!optionsNonNull.silent && optionsNonNull.outStream) {
                    optionsNonNull.outStream.write(this._getCommandString(optionsNonNull) + external_os_.EOL);
                }
                const state = new ExecState(optionsNonNull, this.toolPath);
                state.on('debug', (message) => {
                    this._debug(message);
                });
                if (this.options.cwd && !(yield io_util/* exists */.t2(this.options.cwd))) {
                    return reject(new Error(`The cwd: ${this.options.cwd} does not exist!`));
                }
                const fileName = this._getSpawnFileName();
                const cp = external_child_process_.spawn(fileName, this._getSpawnArgs(optionsNonNull), this._getSpawnOptions(this.options, fileName));
                let stdbuffer = '';
                if (cp.stdout) {
                    cp.stdout.on('data', (data) => {
                        if (this.options.listeners && this.options.listeners.stdout) {
                            this.options.listeners.stdout(data);
                        }
                        if (!optionsNonNull.silent && optionsNonNull.outStream) {
                            optionsNonNull.outStream.write(data);
                        }
                        stdbuffer = this._processLineBuffer(data, stdbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.stdline) {
                                this.options.listeners.stdline(line);
                            }
                        });
                    });
                }
                let errbuffer = '';
                if (cp.stderr) {
                    cp.stderr.on('data', (data) => {
                        state.processStderr = true;
                        if (this.options.listeners && this.options.listeners.stderr) {
                            this.options.listeners.stderr(data);
                        }
                        if (!optionsNonNull.silent &&
                            optionsNonNull.errStream &&
                            optionsNonNull.outStream) {
                            const s = optionsNonNull.failOnStdErr
                                ? optionsNonNull.errStream
                                : optionsNonNull.outStream;
                            s.write(data);
                        }
                        errbuffer = this._processLineBuffer(data, errbuffer, (line) => {
                            if (this.options.listeners && this.options.listeners.errline) {
                                this.options.listeners.errline(line);
                            }
                        });
                    });
                }
                cp.on('error', (err) => {
                    state.processError = err.message;
                    state.processExited = true;
                    state.processClosed = true;
                    state.CheckComplete();
                });
                cp.on('exit', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    this._debug(`Exit code ${code} received from tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                cp.on('close', (code) => {
                    state.processExitCode = code;
                    state.processExited = true;
                    state.processClosed = true;
                    this._debug(`STDIO streams have closed for tool '${this.toolPath}'`);
                    state.CheckComplete();
                });
                state.on('done', (error, exitCode) => {
                    if (stdbuffer.length > 0) {
                        this.emit('stdline', stdbuffer);
                    }
                    if (errbuffer.length > 0) {
                        this.emit('errline', errbuffer);
                    }
                    cp.removeAllListeners();
                    if (error) {
                        reject(error);
                    }
                    else {
                        resolve(exitCode);
                    }
                });
                if (this.options.input) {
                    if (!cp.stdin) {
                        throw new Error('child process missing stdin');
                    }
                    cp.stdin.end(this.options.input);
                }
            }));
        });
    }
}
/**
 * Convert an arg string to an array of args. Handles escaping
 *
 * @param    argString   string of arguments
 * @returns  string[]    array of arguments
 */
function argStringToArray(argString) {
    const args = [];
    let inQuotes = false;
    let escaped = false;
    let arg = '';
    function append(c) {
        // we only escape double quotes.
        if (escaped && c !== '"') {
            arg += '\\';
        }
        arg += c;
        escaped = false;
    }
    for (let i = 0; i < argString.length; i++) {
        const c = argString.charAt(i);
        if (c === '"') {
            if (!escaped) {
                inQuotes = !inQuotes;
            }
            else {
                append(c);
            }
            continue;
        }
        if (c === '\\' && escaped) {
            append(c);
            continue;
        }
        if (c === '\\' && inQuotes) {
            escaped = true;
            continue;
        }
        if (c === ' ' && !inQuotes) {
            if (arg.length > 0) {
                args.push(arg);
                arg = '';
            }
            continue;
        }
        append(c);
    }
    if (arg.length > 0) {
        args.push(arg.trim());
    }
    return args;
}
class ExecState extends external_events_.EventEmitter {
    constructor(options, toolPath) {
        super();
        this.processClosed = false; // tracks whether the process has exited and stdio is closed
        this.processError = '';
        this.processExitCode = 0;
        this.processExited = false; // tracks whether the process has exited
        this.processStderr = false; // tracks whether stderr was written to
        this.delay = 10000; // 10 seconds
        this.done = false;
        this.timeout = null;
        if (!toolPath) {
            throw new Error('toolPath must not be empty');
        }
        this.options = options;
        this.toolPath = toolPath;
        if (options.delay) {
            this.delay = options.delay;
        }
    }
    CheckComplete() {
        if (this.done) {
            return;
        }
        if (this.processClosed) {
            this._setResult();
        }
        else if (this.processExited) {
            this.timeout = (0,external_timers_namespaceObject.setTimeout)(ExecState.HandleTimeout, this.delay, this);
        }
    }
    _debug(message) {
        this.emit('debug', message);
    }
    _setResult() {
        // determine whether there is an error
        let error;
        if (this.processExited) {
            if (this.processError) {
                error = new Error(`There was an error when attempting to execute the process '${this.toolPath}'. This may indicate the process failed to start. Error: ${this.processError}`);
            }
            else if (this.processExitCode !== 0 && !this.options.ignoreReturnCode) {
                error = new Error(`The process '${this.toolPath}' failed with exit code ${this.processExitCode}`);
            }
            else if (this.processStderr && this.options.failOnStdErr) {
                error = new Error(`The process '${this.toolPath}' failed because one or more lines were written to the STDERR stream`);
            }
        }
        // clear the timeout
        if (this.timeout) {
            clearTimeout(this.timeout);
            this.timeout = null;
        }
        this.done = true;
        this.emit('done', error, this.processExitCode);
    }
    static HandleTimeout(state) {
        if (state.done) {
            return;
        }
        if (!state.processClosed && state.processExited) {
            const message = `The STDIO streams did not close within ${state.delay / 1000} seconds of the exit event from process '${state.toolPath}'. This may indicate a child process inherited the STDIO streams and has not yet exited.`;
            state._debug(message);
        }
        state._setResult();
    }
}
//# sourceMappingURL=toolrunner.js.map
;// CONCATENATED MODULE: ./node_modules/@actions/exec/lib/exec.js
var exec_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


/**
 * Exec a command.
 * Output will be streamed to the live console.
 * Returns promise with return code
 *
 * @param     commandLine        command to execute (can include additional args). Must be correctly escaped.
 * @param     args               optional arguments for tool. Escaping is handled by the lib.
 * @param     options            optional exec options.  See ExecOptions
 * @returns   Promise<number>    exit code
 */
function exec(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        const commandArgs = argStringToArray(commandLine);
        if (commandArgs.length === 0) {
            throw new Error(`Parameter 'commandLine' cannot be null or empty.`);
        }
        // Path to tool to execute should be first arg
        const toolPath = commandArgs[0];
        args = commandArgs.slice(1).concat(args || []);
        const runner = new ToolRunner(toolPath, args, options);
        return runner.exec();
    });
}
/**
 * Exec a command and get the output.
 * Output will be streamed to the live console.
 * Returns promise with the exit code and collected stdout and stderr
 *
 * @param     commandLine           command to execute (can include additional args). Must be correctly escaped.
 * @param     args                  optional arguments for tool. Escaping is handled by the lib.
 * @param     options               optional exec options.  See ExecOptions
 * @returns   Promise<ExecOutput>   exit code, stdout, and stderr
 */
function getExecOutput(commandLine, args, options) {
    return exec_awaiter(this, void 0, void 0, function* () {
        var _a, _b;
        let stdout = '';
        let stderr = '';
        //Using string decoder covers the case where a mult-byte character is split
        const stdoutDecoder = new external_string_decoder_.StringDecoder('utf8');
        const stderrDecoder = new external_string_decoder_.StringDecoder('utf8');
        const originalStdoutListener = (_a = options === null || options === void 0 ? void 0 : options.listeners) === null || _a === void 0 ? void 0 : _a.stdout;
        const originalStdErrListener = (_b = options === null || options === void 0 ? void 0 : options.listeners) === null || _b === void 0 ? void 0 : _b.stderr;
        const stdErrListener = (data) => {
            stderr += stderrDecoder.write(data);
            if (originalStdErrListener) {
                originalStdErrListener(data);
            }
        };
        const stdOutListener = (data) => {
            stdout += stdoutDecoder.write(data);
            if (originalStdoutListener) {
                originalStdoutListener(data);
            }
        };
        const listeners = Object.assign(Object.assign({}, options === null || options === void 0 ? void 0 : options.listeners), { stdout: stdOutListener, stderr: stdErrListener });
        const exitCode = yield exec(commandLine, args, Object.assign(Object.assign({}, options), { listeners }));
        //flush any remaining characters
        stdout += stdoutDecoder.end();
        stderr += stderrDecoder.end();
        return {
            exitCode,
            stdout,
            stderr
        };
    });
}
//# sourceMappingURL=exec.js.map

/***/ }),

/***/ 90:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $1: () => (/* binding */ lstat),
/* harmony export */   Ck: () => (/* binding */ mkdir),
/* harmony export */   Cy: () => (/* binding */ readdir),
/* harmony export */   H8: () => (/* binding */ IS_WINDOWS),
/* harmony export */   Qh: () => (/* binding */ isRooted),
/* harmony export */   YN: () => (/* binding */ symlink),
/* harmony export */   dJ: () => (/* binding */ stat),
/* harmony export */   h_: () => (/* binding */ readlink),
/* harmony export */   k6: () => (/* binding */ chmod),
/* harmony export */   m3: () => (/* binding */ copyFile),
/* harmony export */   rm: () => (/* binding */ rm),
/* harmony export */   t2: () => (/* binding */ exists),
/* harmony export */   vr: () => (/* binding */ tryGetExecutablePath),
/* harmony export */   y1: () => (/* binding */ unlink)
/* harmony export */ });
/* unused harmony exports open, rename, rmdir, UV_FS_O_EXLOCK, READONLY, isDirectory, getCmdPath */
/* harmony import */ var fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(79896);
/* harmony import */ var path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(16928);
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { chmod, copyFile, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, symlink, unlink } = fs__WEBPACK_IMPORTED_MODULE_0__.promises;
// export const {open} = 'fs'
const IS_WINDOWS = process.platform === 'win32';
/**
 * Custom implementation of readlink to ensure Windows junctions
 * maintain trailing backslash for backward compatibility with Node.js < 24
 *
 * In Node.js 20, Windows junctions (directory symlinks) always returned paths
 * with trailing backslashes. Node.js 24 removed this behavior, which breaks
 * code that relied on this format for path operations.
 *
 * This implementation restores the Node 20 behavior by adding a trailing
 * backslash to all junction results on Windows.
 */
function readlink(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        const result = yield fs__WEBPACK_IMPORTED_MODULE_0__.promises.readlink(fsPath);
        // On Windows, restore Node 20 behavior: add trailing backslash to all results
        // since junctions on Windows are always directory links
        if (IS_WINDOWS && !result.endsWith('\\')) {
            return `${result}\\`;
        }
        return result;
    });
}
// See https://github.com/nodejs/node/blob/d0153aee367422d0858105abec186da4dff0a0c5/deps/uv/include/uv/win.h#L691
const UV_FS_O_EXLOCK = 0x10000000;
const READONLY = fs__WEBPACK_IMPORTED_MODULE_0__.constants.O_RDONLY;
function exists(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        try {
            yield stat(fsPath);
        }
        catch (err) {
            if (err.code === 'ENOENT') {
                return false;
            }
            throw err;
        }
        return true;
    });
}
function isDirectory(fsPath_1) {
    return __awaiter(this, arguments, void 0, function* (fsPath, useStat = false) {
        const stats = useStat ? yield stat(fsPath) : yield lstat(fsPath);
        return stats.isDirectory();
    });
}
/**
 * On OSX/Linux, true if path starts with '/'. On Windows, true for paths like:
 * \, \hello, \\hello\share, C:, and C:\hello (and corresponding alternate separator cases).
 */
function isRooted(p) {
    p = normalizeSeparators(p);
    if (!p) {
        throw new Error('isRooted() parameter "p" cannot be empty');
    }
    if (IS_WINDOWS) {
        return (p.startsWith('\\') || /^[A-Z]:/i.test(p) // e.g. \ or \hello or \\hello
        ); // e.g. C: or C:\hello
    }
    return p.startsWith('/');
}
/**
 * Best effort attempt to determine whether a file exists and is executable.
 * @param filePath    file path to check
 * @param extensions  additional file extensions to try
 * @return if file exists and is executable, returns the file path. otherwise empty string.
 */
function tryGetExecutablePath(filePath, extensions) {
    return __awaiter(this, void 0, void 0, function* () {
        let stats = undefined;
        try {
            // test file exists
            stats = yield stat(filePath);
        }
        catch (err) {
            if (err.code !== 'ENOENT') {
                // eslint-disable-next-line no-console
                console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
            }
        }
        if (stats && stats.isFile()) {
            if (IS_WINDOWS) {
                // on Windows, test for valid extension
                const upperExt = path__WEBPACK_IMPORTED_MODULE_1__.extname(filePath).toUpperCase();
                if (extensions.some(validExt => validExt.toUpperCase() === upperExt)) {
                    return filePath;
                }
            }
            else {
                if (isUnixExecutable(stats)) {
                    return filePath;
                }
            }
        }
        // try each extension
        const originalFilePath = filePath;
        for (const extension of extensions) {
            filePath = originalFilePath + extension;
            stats = undefined;
            try {
                stats = yield stat(filePath);
            }
            catch (err) {
                if (err.code !== 'ENOENT') {
                    // eslint-disable-next-line no-console
                    console.log(`Unexpected error attempting to determine if executable file exists '${filePath}': ${err}`);
                }
            }
            if (stats && stats.isFile()) {
                if (IS_WINDOWS) {
                    // preserve the case of the actual file (since an extension was appended)
                    try {
                        const directory = path__WEBPACK_IMPORTED_MODULE_1__.dirname(filePath);
                        const upperName = path__WEBPACK_IMPORTED_MODULE_1__.basename(filePath).toUpperCase();
                        for (const actualName of yield readdir(directory)) {
                            if (upperName === actualName.toUpperCase()) {
                                filePath = path__WEBPACK_IMPORTED_MODULE_1__.join(directory, actualName);
                                break;
                            }
                        }
                    }
                    catch (err) {
                        // eslint-disable-next-line no-console
                        console.log(`Unexpected error attempting to determine the actual case of the file '${filePath}': ${err}`);
                    }
                    return filePath;
                }
                else {
                    if (isUnixExecutable(stats)) {
                        return filePath;
                    }
                }
            }
        }
        return '';
    });
}
function normalizeSeparators(p) {
    p = p || '';
    if (IS_WINDOWS) {
        // convert slashes on Windows
        p = p.replace(/\//g, '\\');
        // remove redundant slashes
        return p.replace(/\\\\+/g, '\\');
    }
    // remove redundant slashes
    return p.replace(/\/\/+/g, '/');
}
// on Mac/Linux, test the execute bit
//     R   W  X  R  W X R W X
//   256 128 64 32 16 8 4 2 1
function isUnixExecutable(stats) {
    return ((stats.mode & 1) > 0 ||
        ((stats.mode & 8) > 0 &&
            process.getgid !== undefined &&
            stats.gid === process.getgid()) ||
        ((stats.mode & 64) > 0 &&
            process.getuid !== undefined &&
            stats.uid === process.getuid()));
}
// Get the path of cmd.exe in windows
function getCmdPath() {
    var _a;
    return (_a = process.env['COMSPEC']) !== null && _a !== void 0 ? _a : `cmd.exe`;
}
//# sourceMappingURL=io-util.js.map

/***/ }),

/***/ 88701:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K7: () => (/* binding */ which),
/* harmony export */   U$: () => (/* binding */ mkdirP),
/* harmony export */   Yz: () => (/* binding */ rmRF),
/* harmony export */   cp: () => (/* binding */ cp)
/* harmony export */ });
/* unused harmony exports mv, findInPath */
/* harmony import */ var assert__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(42613);
/* harmony import */ var path__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(16928);
/* harmony import */ var _io_util_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(90);
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};



/**
 * Copies a file or folder.
 * Based off of shelljs - https://github.com/shelljs/shelljs/blob/9237f66c52e5daa40458f94f9565e18e8132f5a6/src/cp.js
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See CopyOptions.
 */
function cp(source_1, dest_1) {
    return __awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        const { force, recursive, copySourceDirectory } = readCopyOptions(options);
        const destStat = (yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .exists */ .t2(dest)) ? yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .stat */ .dJ(dest) : null;
        // Dest is an existing file, but not forcing
        if (destStat && destStat.isFile() && !force) {
            return;
        }
        // If dest is an existing directory, should copy inside.
        const newDest = destStat && destStat.isDirectory() && copySourceDirectory
            ? path__WEBPACK_IMPORTED_MODULE_1__.join(dest, path__WEBPACK_IMPORTED_MODULE_1__.basename(source))
            : dest;
        if (!(yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .exists */ .t2(source))) {
            throw new Error(`no such file or directory: ${source}`);
        }
        const sourceStat = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .stat */ .dJ(source);
        if (sourceStat.isDirectory()) {
            if (!recursive) {
                throw new Error(`Failed to copy. ${source} is a directory, but tried to copy without recursive flag.`);
            }
            else {
                yield cpDirRecursive(source, newDest, 0, force);
            }
        }
        else {
            if (path__WEBPACK_IMPORTED_MODULE_1__.relative(source, newDest) === '') {
                // a file cannot be copied to itself
                throw new Error(`'${newDest}' and '${source}' are the same file`);
            }
            yield copyFile(source, newDest, force);
        }
    });
}
/**
 * Moves a path.
 *
 * @param     source    source path
 * @param     dest      destination path
 * @param     options   optional. See MoveOptions.
 */
function mv(source_1, dest_1) {
    return __awaiter(this, arguments, void 0, function* (source, dest, options = {}) {
        if (yield ioUtil.exists(dest)) {
            let destExists = true;
            if (yield ioUtil.isDirectory(dest)) {
                // If dest is directory copy src into dest
                dest = path.join(dest, path.basename(source));
                destExists = yield ioUtil.exists(dest);
            }
            if (destExists) {
                if (options.force == null || options.force) {
                    yield rmRF(dest);
                }
                else {
                    throw new Error('Destination already exists');
                }
            }
        }
        yield mkdirP(path.dirname(dest));
        yield ioUtil.rename(source, dest);
    });
}
/**
 * Remove a path recursively with force
 *
 * @param inputPath path to remove
 */
function rmRF(inputPath) {
    return __awaiter(this, void 0, void 0, function* () {
        if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .IS_WINDOWS */ .H8) {
            // Check for invalid characters
            // https://docs.microsoft.com/en-us/windows/win32/fileio/naming-a-file
            if (/[*"<>|]/.test(inputPath)) {
                throw new Error('File path must not contain `*`, `"`, `<`, `>` or `|` on Windows');
            }
        }
        try {
            // note if path does not exist, error is silent
            yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__.rm(inputPath, {
                force: true,
                maxRetries: 3,
                recursive: true,
                retryDelay: 300
            });
        }
        catch (err) {
            throw new Error(`File was unable to be removed ${err}`);
        }
    });
}
/**
 * Make a directory.  Creates the full path with folders in between
 * Will throw if it fails
 *
 * @param   fsPath        path to create
 * @returns Promise<void>
 */
function mkdirP(fsPath) {
    return __awaiter(this, void 0, void 0, function* () {
        (0,assert__WEBPACK_IMPORTED_MODULE_0__.ok)(fsPath, 'a path argument must be provided');
        yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .mkdir */ .Ck(fsPath, { recursive: true });
    });
}
/**
 * Returns path of a tool had the tool actually been invoked.  Resolves via paths.
 * If you check and the tool does not exist, it will throw.
 *
 * @param     tool              name of the tool
 * @param     check             whether to check if tool exists
 * @returns   Promise<string>   path to tool
 */
function which(tool, check) {
    return __awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // recursive when check=true
        if (check) {
            const result = yield which(tool, false);
            if (!result) {
                if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .IS_WINDOWS */ .H8) {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also verify the file has a valid extension for an executable file.`);
                }
                else {
                    throw new Error(`Unable to locate executable file: ${tool}. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.`);
                }
            }
            return result;
        }
        const matches = yield findInPath(tool);
        if (matches && matches.length > 0) {
            return matches[0];
        }
        return '';
    });
}
/**
 * Returns a list of all occurrences of the given tool on the system path.
 *
 * @returns   Promise<string[]>  the paths of the tool
 */
function findInPath(tool) {
    return __awaiter(this, void 0, void 0, function* () {
        if (!tool) {
            throw new Error("parameter 'tool' is required");
        }
        // build the list of extensions to try
        const extensions = [];
        if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .IS_WINDOWS */ .H8 && process.env['PATHEXT']) {
            for (const extension of process.env['PATHEXT'].split(path__WEBPACK_IMPORTED_MODULE_1__.delimiter)) {
                if (extension) {
                    extensions.push(extension);
                }
            }
        }
        // if it's rooted, return it if exists. otherwise return empty.
        if (_io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .isRooted */ .Qh(tool)) {
            const filePath = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .tryGetExecutablePath */ .vr(tool, extensions);
            if (filePath) {
                return [filePath];
            }
            return [];
        }
        // if any path separators, return empty
        if (tool.includes(path__WEBPACK_IMPORTED_MODULE_1__.sep)) {
            return [];
        }
        // build the list of directories
        //
        // Note, technically "where" checks the current directory on Windows. From a toolkit perspective,
        // it feels like we should not do this. Checking the current directory seems like more of a use
        // case of a shell, and the which() function exposed by the toolkit should strive for consistency
        // across platforms.
        const directories = [];
        if (process.env.PATH) {
            for (const p of process.env.PATH.split(path__WEBPACK_IMPORTED_MODULE_1__.delimiter)) {
                if (p) {
                    directories.push(p);
                }
            }
        }
        // find all matches
        const matches = [];
        for (const directory of directories) {
            const filePath = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .tryGetExecutablePath */ .vr(path__WEBPACK_IMPORTED_MODULE_1__.join(directory, tool), extensions);
            if (filePath) {
                matches.push(filePath);
            }
        }
        return matches;
    });
}
function readCopyOptions(options) {
    const force = options.force == null ? true : options.force;
    const recursive = Boolean(options.recursive);
    const copySourceDirectory = options.copySourceDirectory == null
        ? true
        : Boolean(options.copySourceDirectory);
    return { force, recursive, copySourceDirectory };
}
function cpDirRecursive(sourceDir, destDir, currentDepth, force) {
    return __awaiter(this, void 0, void 0, function* () {
        // Ensure there is not a run away recursive copy
        if (currentDepth >= 255)
            return;
        currentDepth++;
        yield mkdirP(destDir);
        const files = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .readdir */ .Cy(sourceDir);
        for (const fileName of files) {
            const srcFile = `${sourceDir}/${fileName}`;
            const destFile = `${destDir}/${fileName}`;
            const srcFileStat = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .lstat */ .$1(srcFile);
            if (srcFileStat.isDirectory()) {
                // Recurse
                yield cpDirRecursive(srcFile, destFile, currentDepth, force);
            }
            else {
                yield copyFile(srcFile, destFile, force);
            }
        }
        // Change the mode for the newly created directory
        yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .chmod */ .k6(destDir, (yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .stat */ .dJ(sourceDir)).mode);
    });
}
// Buffered file copy
function copyFile(srcFile, destFile, force) {
    return __awaiter(this, void 0, void 0, function* () {
        if ((yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .lstat */ .$1(srcFile)).isSymbolicLink()) {
            // unlink/re-link it
            try {
                yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .lstat */ .$1(destFile);
                yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .unlink */ .y1(destFile);
            }
            catch (e) {
                // Try to override file permission
                if (e.code === 'EPERM') {
                    yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .chmod */ .k6(destFile, '0666');
                    yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .unlink */ .y1(destFile);
                }
                // other errors = it doesn't exist, no work to do
            }
            // Copy over symlink
            const symlinkFull = yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .readlink */ .h_(srcFile);
            yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .symlink */ .YN(symlinkFull, destFile, _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .IS_WINDOWS */ .H8 ? 'junction' : null);
        }
        else if (!(yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .exists */ .t2(destFile)) || force) {
            yield _io_util_js__WEBPACK_IMPORTED_MODULE_2__/* .copyFile */ .m3(srcFile, destFile);
        }
    });
}
//# sourceMappingURL=io.js.map

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(79407);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 

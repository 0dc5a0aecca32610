export const id = 820;
export const ids = [820];
export const modules = {

/***/ 40094:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.SortableNumbers = exports.SortableStringables = exports.SortableComparables = exports.SortableSet = exports.compareObjectsSymbol = void 0;
exports.compareObjectsSymbol = Symbol('internal compare function');
class SortableSet extends Set {
    sorted() {
        return Array.from(this).sort(this[exports.compareObjectsSymbol]);
    }
    compare(other) {
        const sortedOther = other.sorted();
        const sortedSelf = this.sorted();
        if (sortedSelf.length !== sortedOther.length) {
            return sortedSelf.length - sortedOther.length;
        }
        for (let i = sortedSelf.length - 1; i >= 0; --i) {
            const iCompared = this[exports.compareObjectsSymbol](sortedSelf[i], sortedOther[i]);
            if (iCompared !== 0) {
                return iCompared;
            }
        }
        return 0;
    }
}
exports.SortableSet = SortableSet;
class SortableComparables extends SortableSet {
    [exports.compareObjectsSymbol](a, b) {
        if (a.constructor === b.constructor) {
            return a.compare(b);
        }
        return a.constructor.name.localeCompare(b.constructor.name);
    }
}
exports.SortableComparables = SortableComparables;
class SortableStringables extends SortableSet {
    [exports.compareObjectsSymbol](a, b) {
        return a.toString().localeCompare(b.toString());
    }
}
exports.SortableStringables = SortableStringables;
class SortableNumbers extends SortableSet {
    [exports.compareObjectsSymbol](a, b) {
        return a - b;
    }
}
exports.SortableNumbers = SortableNumbers;
//# sourceMappingURL=sortable.js.map

/***/ }),

/***/ 47866:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AttachmentEncoding = void 0;
var AttachmentEncoding;
(function (AttachmentEncoding) {
    AttachmentEncoding["Base64"] = "base64";
})(AttachmentEncoding || (exports.AttachmentEncoding = AttachmentEncoding = {}));
//# sourceMappingURL=attachmentEncoding.js.map

/***/ }),

/***/ 91919:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ComponentScope = void 0;
var ComponentScope;
(function (ComponentScope) {
    ComponentScope["Required"] = "required";
    ComponentScope["Optional"] = "optional";
    ComponentScope["Excluded"] = "excluded";
})(ComponentScope || (exports.ComponentScope = ComponentScope = {}));
//# sourceMappingURL=componentScope.js.map

/***/ }),

/***/ 79915:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ComponentType = void 0;
var ComponentType;
(function (ComponentType) {
    ComponentType["Application"] = "application";
    ComponentType["Framework"] = "framework";
    ComponentType["Library"] = "library";
    ComponentType["Container"] = "container";
    ComponentType["Platform"] = "platform";
    ComponentType["OperatingSystem"] = "operating-system";
    ComponentType["Device"] = "device";
    ComponentType["DeviceDriver"] = "device-driver";
    ComponentType["Firmware"] = "firmware";
    ComponentType["File"] = "file";
    ComponentType["MachineLearningModel"] = "machine-learning-model";
    ComponentType["Data"] = "data";
    ComponentType["CryptographicAsset"] = "cryptographic-asset";
})(ComponentType || (exports.ComponentType = ComponentType = {}));
//# sourceMappingURL=componentType.js.map

/***/ }),

/***/ 86408:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ExternalReferenceType = void 0;
var ExternalReferenceType;
(function (ExternalReferenceType) {
    ExternalReferenceType["VCS"] = "vcs";
    ExternalReferenceType["IssueTracker"] = "issue-tracker";
    ExternalReferenceType["Website"] = "website";
    ExternalReferenceType["Advisories"] = "advisories";
    ExternalReferenceType["BOM"] = "bom";
    ExternalReferenceType["MailingList"] = "mailing-list";
    ExternalReferenceType["Social"] = "social";
    ExternalReferenceType["Chat"] = "chat";
    ExternalReferenceType["Documentation"] = "documentation";
    ExternalReferenceType["Support"] = "support";
    ExternalReferenceType["SourceDistribution"] = "source-distribution";
    ExternalReferenceType["Distribution"] = "distribution";
    ExternalReferenceType["DistributionIntake"] = "distribution-intake";
    ExternalReferenceType["License"] = "license";
    ExternalReferenceType["BuildMeta"] = "build-meta";
    ExternalReferenceType["BuildSystem"] = "build-system";
    ExternalReferenceType["ReleaseNotes"] = "release-notes";
    ExternalReferenceType["SecurityContact"] = "security-contact";
    ExternalReferenceType["ModelCard"] = "model-card";
    ExternalReferenceType["Log"] = "log";
    ExternalReferenceType["Configuration"] = "configuration";
    ExternalReferenceType["Evidence"] = "evidence";
    ExternalReferenceType["Formulation"] = "formulation";
    ExternalReferenceType["Attestation"] = "attestation";
    ExternalReferenceType["ThreatModel"] = "threat-model";
    ExternalReferenceType["AdversaryModel"] = "adversary-model";
    ExternalReferenceType["RiskAssessment"] = "risk-assessment";
    ExternalReferenceType["VulnerabilityAssertion"] = "vulnerability-assertion";
    ExternalReferenceType["ExploitabilityStatement"] = "exploitability-statement";
    ExternalReferenceType["PentestReport"] = "pentest-report";
    ExternalReferenceType["StaticAnalysisReport"] = "static-analysis-report";
    ExternalReferenceType["DynamicAnalysisReport"] = "dynamic-analysis-report";
    ExternalReferenceType["RuntimeAnalysisReport"] = "runtime-analysis-report";
    ExternalReferenceType["ComponentAnalysisReport"] = "component-analysis-report";
    ExternalReferenceType["MaturityReport"] = "maturity-report";
    ExternalReferenceType["CertificationReport"] = "certification-report";
    ExternalReferenceType["CodifiedInfrastructure"] = "codified-infrastructure";
    ExternalReferenceType["QualityMetrics"] = "quality-metrics";
    ExternalReferenceType["POAM"] = "poam";
    ExternalReferenceType["ElectronicSignature"] = "electronic-signature";
    ExternalReferenceType["DigitalSignature"] = "digital-signature";
    ExternalReferenceType["RFC9116"] = "rfc-9116";
    ExternalReferenceType["Citation"] = "citation";
    ExternalReferenceType["Patent"] = "patent";
    ExternalReferenceType["PatentAssertion"] = "patent-assertion";
    ExternalReferenceType["PatentFamily"] = "patent-family";
    ExternalReferenceType["Other"] = "other";
})(ExternalReferenceType || (exports.ExternalReferenceType = ExternalReferenceType = {}));
//# sourceMappingURL=externalReferenceType.js.map

/***/ }),

/***/ 12310:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HashAlgorithm = void 0;
var HashAlgorithm;
(function (HashAlgorithm) {
    HashAlgorithm["MD5"] = "MD5";
    HashAlgorithm["SHA-1"] = "SHA-1";
    HashAlgorithm["SHA-256"] = "SHA-256";
    HashAlgorithm["SHA-384"] = "SHA-384";
    HashAlgorithm["SHA-512"] = "SHA-512";
    HashAlgorithm["SHA3-256"] = "SHA3-256";
    HashAlgorithm["SHA3-384"] = "SHA3-384";
    HashAlgorithm["SHA3-512"] = "SHA3-512";
    HashAlgorithm["BLAKE2b-256"] = "BLAKE2b-256";
    HashAlgorithm["BLAKE2b-384"] = "BLAKE2b-384";
    HashAlgorithm["BLAKE2b-512"] = "BLAKE2b-512";
    HashAlgorithm["BLAKE3"] = "BLAKE3";
    HashAlgorithm["Streebog-256"] = "Streebog-256";
    HashAlgorithm["Streebog-512"] = "Streebog-512";
})(HashAlgorithm || (exports.HashAlgorithm = HashAlgorithm = {}));
//# sourceMappingURL=hashAlogorithm.js.map

/***/ }),

/***/ 6820:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Vulnerability = void 0;
__exportStar(__webpack_require__(47866), exports);
__exportStar(__webpack_require__(91919), exports);
__exportStar(__webpack_require__(79915), exports);
__exportStar(__webpack_require__(86408), exports);
__exportStar(__webpack_require__(12310), exports);
__exportStar(__webpack_require__(66399), exports);
__exportStar(__webpack_require__(10209), exports);
exports.Vulnerability = __importStar(__webpack_require__(60845));
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 66399:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.LicenseAcknowledgement = void 0;
var LicenseAcknowledgement;
(function (LicenseAcknowledgement) {
    LicenseAcknowledgement["Declared"] = "declared";
    LicenseAcknowledgement["Concluded"] = "concluded";
})(LicenseAcknowledgement || (exports.LicenseAcknowledgement = LicenseAcknowledgement = {}));
//# sourceMappingURL=licenseAcknowledgement.js.map

/***/ }),

/***/ 10209:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.LifecyclePhase = void 0;
var LifecyclePhase;
(function (LifecyclePhase) {
    LifecyclePhase["Design"] = "design";
    LifecyclePhase["PreBuild"] = "pre-build";
    LifecyclePhase["Build"] = "build";
    LifecyclePhase["PostBuild"] = "post-build";
    LifecyclePhase["Operations"] = "operations";
    LifecyclePhase["Discovery"] = "discovery";
    LifecyclePhase["Decommission"] = "decommission";
})(LifecyclePhase || (exports.LifecyclePhase = LifecyclePhase = {}));
//# sourceMappingURL=lifecyclePhase.js.map

/***/ }),

/***/ 86586:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AffectStatus = void 0;
var AffectStatus;
(function (AffectStatus) {
    AffectStatus["Affected"] = "affected";
    AffectStatus["Unaffected"] = "unaffected";
    AffectStatus["Unknown"] = "unknown";
})(AffectStatus || (exports.AffectStatus = AffectStatus = {}));
//# sourceMappingURL=affectStatus.js.map

/***/ }),

/***/ 55177:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AnalysisJustification = void 0;
var AnalysisJustification;
(function (AnalysisJustification) {
    AnalysisJustification["CodeNotPresent"] = "code_not_present";
    AnalysisJustification["CodeNotReachable"] = "code_not_reachable";
    AnalysisJustification["RequiresConfiguration"] = "requires_configuration";
    AnalysisJustification["RequiresDependency"] = "requires_dependency";
    AnalysisJustification["RequiresEnvironment"] = "requires_environment";
    AnalysisJustification["ProtectedByCompiler"] = "protected_by_compiler";
    AnalysisJustification["ProtectedAtRuntime"] = "protected_at_runtime";
    AnalysisJustification["ProtectedAtPerimeter"] = "protected_at_perimeter";
    AnalysisJustification["ProtectedByMitigatingControl"] = "protected_by_mitigating_control";
})(AnalysisJustification || (exports.AnalysisJustification = AnalysisJustification = {}));
//# sourceMappingURL=analysisJustification.js.map

/***/ }),

/***/ 26824:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AnalysisResponseRepository = exports.AnalysisResponse = void 0;
const sortable_1 = __webpack_require__(40094);
var AnalysisResponse;
(function (AnalysisResponse) {
    AnalysisResponse["CanNotFix"] = "can_not_fix";
    AnalysisResponse["WillNotFix"] = "will_not_fix";
    AnalysisResponse["Update"] = "update";
    AnalysisResponse["Rollback"] = "rollback";
    AnalysisResponse["WorkaroundAvailable"] = "workaround_available";
})(AnalysisResponse || (exports.AnalysisResponse = AnalysisResponse = {}));
class AnalysisResponseRepository extends sortable_1.SortableStringables {
}
exports.AnalysisResponseRepository = AnalysisResponseRepository;
//# sourceMappingURL=analysisResponse.js.map

/***/ }),

/***/ 92834:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AnalysisState = void 0;
var AnalysisState;
(function (AnalysisState) {
    AnalysisState["Resolved"] = "resolved";
    AnalysisState["ResolvedWithPedigree"] = "resolved_with_pedigree";
    AnalysisState["Exploitable"] = "exploitable";
    AnalysisState["InTriage"] = "in_triage";
    AnalysisState["FalsePositive"] = "false_positive";
    AnalysisState["NotAffected"] = "not_affected";
})(AnalysisState || (exports.AnalysisState = AnalysisState = {}));
//# sourceMappingURL=analysisState.js.map

/***/ }),

/***/ 60845:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
__exportStar(__webpack_require__(86586), exports);
__exportStar(__webpack_require__(55177), exports);
__exportStar(__webpack_require__(26824), exports);
__exportStar(__webpack_require__(92834), exports);
__exportStar(__webpack_require__(21369), exports);
__exportStar(__webpack_require__(66650), exports);
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 21369:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.RatingMethod = void 0;
var RatingMethod;
(function (RatingMethod) {
    RatingMethod["CVSSv2"] = "CVSSv2";
    RatingMethod["CVSSv3"] = "CVSSv3";
    RatingMethod["CVSSv31"] = "CVSSv31";
    RatingMethod["CVSSv4"] = "CVSSv4";
    RatingMethod["OWASP"] = "OWASP";
    RatingMethod["SSVC"] = "SSVC";
    RatingMethod["Other"] = "other";
})(RatingMethod || (exports.RatingMethod = RatingMethod = {}));
//# sourceMappingURL=ratingMethod.js.map

/***/ }),

/***/ 66650:
/***/ ((__unused_webpack_module, exports) => {


/*!
This file is part of CycloneDX JavaScript Library.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

   http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.

SPDX-License-Identifier: Apache-2.0
Copyright (c) OWASP Foundation. All Rights Reserved.
*/
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Severity = void 0;
var Severity;
(function (Severity) {
    Severity["Critical"] = "critical";
    Severity["High"] = "high";
    Severity["Medium"] = "medium";
    Severity["Low"] = "low";
    Severity["Info"] = "info";
    Severity["None"] = "none";
    Severity["Unknown"] = "unknown";
})(Severity || (exports.Severity = Severity = {}));
//# sourceMappingURL=severity.js.map

/***/ })

};

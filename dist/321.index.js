export const id = 321;
export const ids = [321];
export const modules = {

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

/***/ 41088:
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
exports._Spec = void 0;
const models_1 = __webpack_require__(50320);
class _Spec {
    #version;
    #formats;
    #componentTypes;
    #hashAlgorithms;
    #hashValuePattern;
    #externalReferenceTypes;
    #vulnerabilityRatingMethods;
    #supportsDependencyGraph;
    #supportsToolReferences;
    #requiresComponentVersion;
    #supportsProperties;
    #supportsVulnerabilities;
    #supportsComponentEvidence;
    #supportsMetadataLifecycles;
    #supportsMetadataLicenses;
    #supportsMetadataProperties;
    #supportsExternalReferenceHashes;
    #supportsLicenseAcknowledgement;
    #supportsServices;
    #supportsToolsComponentsServices;
    #supportsLicenseProperties;
    constructor(version, formats, componentTypes, hashAlgorithms, hashValuePattern, externalReferenceTypes, supportsDependencyGraph, supportsToolReferences, requiresComponentVersion, supportsProperties, supportsVulnerabilities, vulnerabilityRatingMethods, supportsComponentEvidence, supportsMetadataLifecycles, supportsMetadataLicenses, supportsMetadataProperties, supportsExternalReferenceHashes, supportsLicenseAcknowledgement, supportsServices, supportsToolsComponentsServices, supportsLicenseProperties) {
        this.#version = version;
        this.#formats = new Set(formats);
        this.#componentTypes = new Set(componentTypes);
        this.#hashAlgorithms = new Set(hashAlgorithms);
        this.#hashValuePattern = hashValuePattern;
        this.#externalReferenceTypes = new Set(externalReferenceTypes);
        this.#supportsDependencyGraph = supportsDependencyGraph;
        this.#supportsToolReferences = supportsToolReferences;
        this.#requiresComponentVersion = requiresComponentVersion;
        this.#supportsProperties = supportsProperties;
        this.#supportsVulnerabilities = supportsVulnerabilities;
        this.#vulnerabilityRatingMethods = new Set(vulnerabilityRatingMethods);
        this.#supportsComponentEvidence = supportsComponentEvidence;
        this.#supportsMetadataLifecycles = supportsMetadataLifecycles;
        this.#supportsMetadataLicenses = supportsMetadataLicenses;
        this.#supportsMetadataProperties = supportsMetadataProperties;
        this.#supportsExternalReferenceHashes = supportsExternalReferenceHashes;
        this.#supportsLicenseAcknowledgement = supportsLicenseAcknowledgement;
        this.#supportsServices = supportsServices;
        this.#supportsToolsComponentsServices = supportsToolsComponentsServices;
        this.#supportsLicenseProperties = supportsLicenseProperties;
    }
    get version() {
        return this.#version;
    }
    supportsFormat(f) {
        return this.#formats.has(f);
    }
    supportsComponentType(ct) {
        return this.#componentTypes.has(ct);
    }
    supportsHashAlgorithm(ha) {
        return this.#hashAlgorithms.has(ha);
    }
    supportsHashValue(hv) {
        return typeof hv === 'string' &&
            this.#hashValuePattern.test(hv);
    }
    supportsExternalReferenceType(ert) {
        return this.#externalReferenceTypes.has(ert);
    }
    get supportsDependencyGraph() {
        return this.#supportsDependencyGraph;
    }
    get supportsToolReferences() {
        return this.#supportsToolReferences;
    }
    get requiresComponentVersion() {
        return this.#requiresComponentVersion;
    }
    supportsProperties(model) {
        switch (true) {
            case model instanceof models_1.NamedLicense || model instanceof models_1.SpdxLicense:
                return this.#supportsLicenseProperties;
            default:
                return this.#supportsProperties;
        }
    }
    get supportsVulnerabilities() {
        return this.#supportsVulnerabilities;
    }
    supportsVulnerabilityRatingMethod(rm) {
        return this.#vulnerabilityRatingMethods.has(rm);
    }
    get supportsComponentEvidence() {
        return this.#supportsComponentEvidence;
    }
    get supportsMetadataLifecycles() {
        return this.#supportsMetadataLifecycles;
    }
    get supportsMetadataLicenses() {
        return this.#supportsMetadataLicenses;
    }
    get supportsMetadataProperties() {
        return this.#supportsMetadataProperties;
    }
    get supportsExternalReferenceHashes() {
        return this.#supportsExternalReferenceHashes;
    }
    get supportsLicenseAcknowledgement() {
        return this.#supportsLicenseAcknowledgement;
    }
    get supportsServices() {
        return this.#supportsServices;
    }
    get supportsToolsComponentsServices() {
        return this.#supportsToolsComponentsServices;
    }
}
exports._Spec = _Spec;
//# sourceMappingURL=_protocol.js.map

/***/ }),

/***/ 64641:
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
exports.SpecVersionDict = exports.Spec1dot7 = exports.Spec1dot6 = exports.Spec1dot5 = exports.Spec1dot4 = exports.Spec1dot3 = exports.Spec1dot2 = void 0;
const componentType_1 = __webpack_require__(79915);
const externalReferenceType_1 = __webpack_require__(86408);
const hashAlogorithm_1 = __webpack_require__(12310);
const ratingMethod_1 = __webpack_require__(21369);
const _protocol_1 = __webpack_require__(41088);
const enums_1 = __webpack_require__(33671);
exports.Spec1dot2 = Object.freeze(new _protocol_1._Spec(enums_1.Version.v1dot2, [
    enums_1.Format.XML,
    enums_1.Format.JSON
], [
    componentType_1.ComponentType.Application,
    componentType_1.ComponentType.Framework,
    componentType_1.ComponentType.Library,
    componentType_1.ComponentType.Container,
    componentType_1.ComponentType.OperatingSystem,
    componentType_1.ComponentType.Device,
    componentType_1.ComponentType.Firmware,
    componentType_1.ComponentType.File
], [
    hashAlogorithm_1.HashAlgorithm.MD5,
    hashAlogorithm_1.HashAlgorithm['SHA-1'],
    hashAlogorithm_1.HashAlgorithm['SHA-256'],
    hashAlogorithm_1.HashAlgorithm['SHA-384'],
    hashAlogorithm_1.HashAlgorithm['SHA-512'],
    hashAlogorithm_1.HashAlgorithm['SHA3-256'],
    hashAlogorithm_1.HashAlgorithm['SHA3-384'],
    hashAlogorithm_1.HashAlgorithm['SHA3-512'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-256'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-384'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-512'],
    hashAlogorithm_1.HashAlgorithm.BLAKE3
], /^([a-fA-F0-9]{32})$|^([a-fA-F0-9]{40})$|^([a-fA-F0-9]{64})$|^([a-fA-F0-9]{96})$|^([a-fA-F0-9]{128})$/, [
    externalReferenceType_1.ExternalReferenceType.VCS,
    externalReferenceType_1.ExternalReferenceType.IssueTracker,
    externalReferenceType_1.ExternalReferenceType.Website,
    externalReferenceType_1.ExternalReferenceType.Advisories,
    externalReferenceType_1.ExternalReferenceType.BOM,
    externalReferenceType_1.ExternalReferenceType.MailingList,
    externalReferenceType_1.ExternalReferenceType.Social,
    externalReferenceType_1.ExternalReferenceType.Chat,
    externalReferenceType_1.ExternalReferenceType.Documentation,
    externalReferenceType_1.ExternalReferenceType.Support,
    externalReferenceType_1.ExternalReferenceType.Distribution,
    externalReferenceType_1.ExternalReferenceType.License,
    externalReferenceType_1.ExternalReferenceType.BuildMeta,
    externalReferenceType_1.ExternalReferenceType.BuildSystem,
    externalReferenceType_1.ExternalReferenceType.Other
], true, false, true, false, false, [], false, false, false, false, false, false, true, false, false));
exports.Spec1dot3 = Object.freeze(new _protocol_1._Spec(enums_1.Version.v1dot3, [
    enums_1.Format.XML,
    enums_1.Format.JSON
], [
    componentType_1.ComponentType.Application,
    componentType_1.ComponentType.Framework,
    componentType_1.ComponentType.Library,
    componentType_1.ComponentType.Container,
    componentType_1.ComponentType.OperatingSystem,
    componentType_1.ComponentType.Device,
    componentType_1.ComponentType.Firmware,
    componentType_1.ComponentType.File
], [
    hashAlogorithm_1.HashAlgorithm.MD5,
    hashAlogorithm_1.HashAlgorithm['SHA-1'],
    hashAlogorithm_1.HashAlgorithm['SHA-256'],
    hashAlogorithm_1.HashAlgorithm['SHA-384'],
    hashAlogorithm_1.HashAlgorithm['SHA-512'],
    hashAlogorithm_1.HashAlgorithm['SHA3-256'],
    hashAlogorithm_1.HashAlgorithm['SHA3-384'],
    hashAlogorithm_1.HashAlgorithm['SHA3-512'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-256'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-384'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-512'],
    hashAlogorithm_1.HashAlgorithm.BLAKE3
], /^([a-fA-F0-9]{32})$|^([a-fA-F0-9]{40})$|^([a-fA-F0-9]{64})$|^([a-fA-F0-9]{96})$|^([a-fA-F0-9]{128})$/, [
    externalReferenceType_1.ExternalReferenceType.VCS,
    externalReferenceType_1.ExternalReferenceType.IssueTracker,
    externalReferenceType_1.ExternalReferenceType.Website,
    externalReferenceType_1.ExternalReferenceType.Advisories,
    externalReferenceType_1.ExternalReferenceType.BOM,
    externalReferenceType_1.ExternalReferenceType.MailingList,
    externalReferenceType_1.ExternalReferenceType.Social,
    externalReferenceType_1.ExternalReferenceType.Chat,
    externalReferenceType_1.ExternalReferenceType.Documentation,
    externalReferenceType_1.ExternalReferenceType.Support,
    externalReferenceType_1.ExternalReferenceType.Distribution,
    externalReferenceType_1.ExternalReferenceType.License,
    externalReferenceType_1.ExternalReferenceType.BuildMeta,
    externalReferenceType_1.ExternalReferenceType.BuildSystem,
    externalReferenceType_1.ExternalReferenceType.Other
], true, false, true, true, false, [], true, false, true, true, true, false, true, false, false));
exports.Spec1dot4 = Object.freeze(new _protocol_1._Spec(enums_1.Version.v1dot4, [
    enums_1.Format.XML,
    enums_1.Format.JSON
], [
    componentType_1.ComponentType.Application,
    componentType_1.ComponentType.Framework,
    componentType_1.ComponentType.Library,
    componentType_1.ComponentType.Container,
    componentType_1.ComponentType.OperatingSystem,
    componentType_1.ComponentType.Device,
    componentType_1.ComponentType.Firmware,
    componentType_1.ComponentType.File
], [
    hashAlogorithm_1.HashAlgorithm.MD5,
    hashAlogorithm_1.HashAlgorithm['SHA-1'],
    hashAlogorithm_1.HashAlgorithm['SHA-256'],
    hashAlogorithm_1.HashAlgorithm['SHA-384'],
    hashAlogorithm_1.HashAlgorithm['SHA-512'],
    hashAlogorithm_1.HashAlgorithm['SHA3-256'],
    hashAlogorithm_1.HashAlgorithm['SHA3-384'],
    hashAlogorithm_1.HashAlgorithm['SHA3-512'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-256'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-384'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-512'],
    hashAlogorithm_1.HashAlgorithm.BLAKE3
], /^([a-fA-F0-9]{32})$|^([a-fA-F0-9]{40})$|^([a-fA-F0-9]{64})$|^([a-fA-F0-9]{96})$|^([a-fA-F0-9]{128})$/, [
    externalReferenceType_1.ExternalReferenceType.VCS,
    externalReferenceType_1.ExternalReferenceType.IssueTracker,
    externalReferenceType_1.ExternalReferenceType.Website,
    externalReferenceType_1.ExternalReferenceType.Advisories,
    externalReferenceType_1.ExternalReferenceType.BOM,
    externalReferenceType_1.ExternalReferenceType.MailingList,
    externalReferenceType_1.ExternalReferenceType.Social,
    externalReferenceType_1.ExternalReferenceType.Chat,
    externalReferenceType_1.ExternalReferenceType.Documentation,
    externalReferenceType_1.ExternalReferenceType.Support,
    externalReferenceType_1.ExternalReferenceType.Distribution,
    externalReferenceType_1.ExternalReferenceType.License,
    externalReferenceType_1.ExternalReferenceType.BuildMeta,
    externalReferenceType_1.ExternalReferenceType.BuildSystem,
    externalReferenceType_1.ExternalReferenceType.ReleaseNotes,
    externalReferenceType_1.ExternalReferenceType.Other
], true, true, false, true, true, [
    ratingMethod_1.RatingMethod.CVSSv2,
    ratingMethod_1.RatingMethod.CVSSv3,
    ratingMethod_1.RatingMethod.CVSSv31,
    ratingMethod_1.RatingMethod.OWASP,
    ratingMethod_1.RatingMethod.Other
], true, false, true, true, true, false, true, false, false));
exports.Spec1dot5 = Object.freeze(new _protocol_1._Spec(enums_1.Version.v1dot5, [
    enums_1.Format.XML,
    enums_1.Format.JSON
], [
    componentType_1.ComponentType.Application,
    componentType_1.ComponentType.Framework,
    componentType_1.ComponentType.Library,
    componentType_1.ComponentType.Container,
    componentType_1.ComponentType.Platform,
    componentType_1.ComponentType.OperatingSystem,
    componentType_1.ComponentType.Device,
    componentType_1.ComponentType.DeviceDriver,
    componentType_1.ComponentType.Firmware,
    componentType_1.ComponentType.File,
    componentType_1.ComponentType.MachineLearningModel,
    componentType_1.ComponentType.Data
], [
    hashAlogorithm_1.HashAlgorithm.MD5,
    hashAlogorithm_1.HashAlgorithm['SHA-1'],
    hashAlogorithm_1.HashAlgorithm['SHA-256'],
    hashAlogorithm_1.HashAlgorithm['SHA-384'],
    hashAlogorithm_1.HashAlgorithm['SHA-512'],
    hashAlogorithm_1.HashAlgorithm['SHA3-256'],
    hashAlogorithm_1.HashAlgorithm['SHA3-384'],
    hashAlogorithm_1.HashAlgorithm['SHA3-512'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-256'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-384'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-512'],
    hashAlogorithm_1.HashAlgorithm.BLAKE3
], /^([a-fA-F0-9]{32})$|^([a-fA-F0-9]{40})$|^([a-fA-F0-9]{64})$|^([a-fA-F0-9]{96})$|^([a-fA-F0-9]{128})$/, [
    externalReferenceType_1.ExternalReferenceType.VCS,
    externalReferenceType_1.ExternalReferenceType.IssueTracker,
    externalReferenceType_1.ExternalReferenceType.Website,
    externalReferenceType_1.ExternalReferenceType.Advisories,
    externalReferenceType_1.ExternalReferenceType.BOM,
    externalReferenceType_1.ExternalReferenceType.MailingList,
    externalReferenceType_1.ExternalReferenceType.Social,
    externalReferenceType_1.ExternalReferenceType.Chat,
    externalReferenceType_1.ExternalReferenceType.Documentation,
    externalReferenceType_1.ExternalReferenceType.Support,
    externalReferenceType_1.ExternalReferenceType.Distribution,
    externalReferenceType_1.ExternalReferenceType.DistributionIntake,
    externalReferenceType_1.ExternalReferenceType.License,
    externalReferenceType_1.ExternalReferenceType.BuildMeta,
    externalReferenceType_1.ExternalReferenceType.BuildSystem,
    externalReferenceType_1.ExternalReferenceType.ReleaseNotes,
    externalReferenceType_1.ExternalReferenceType.SecurityContact,
    externalReferenceType_1.ExternalReferenceType.ModelCard,
    externalReferenceType_1.ExternalReferenceType.Log,
    externalReferenceType_1.ExternalReferenceType.Configuration,
    externalReferenceType_1.ExternalReferenceType.Evidence,
    externalReferenceType_1.ExternalReferenceType.Formulation,
    externalReferenceType_1.ExternalReferenceType.Attestation,
    externalReferenceType_1.ExternalReferenceType.ThreatModel,
    externalReferenceType_1.ExternalReferenceType.AdversaryModel,
    externalReferenceType_1.ExternalReferenceType.RiskAssessment,
    externalReferenceType_1.ExternalReferenceType.VulnerabilityAssertion,
    externalReferenceType_1.ExternalReferenceType.ExploitabilityStatement,
    externalReferenceType_1.ExternalReferenceType.PentestReport,
    externalReferenceType_1.ExternalReferenceType.StaticAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.DynamicAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.RuntimeAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.ComponentAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.MaturityReport,
    externalReferenceType_1.ExternalReferenceType.CertificationReport,
    externalReferenceType_1.ExternalReferenceType.CodifiedInfrastructure,
    externalReferenceType_1.ExternalReferenceType.QualityMetrics,
    externalReferenceType_1.ExternalReferenceType.POAM,
    externalReferenceType_1.ExternalReferenceType.Other
], true, true, false, true, true, [
    ratingMethod_1.RatingMethod.CVSSv2,
    ratingMethod_1.RatingMethod.CVSSv3,
    ratingMethod_1.RatingMethod.CVSSv31,
    ratingMethod_1.RatingMethod.CVSSv4,
    ratingMethod_1.RatingMethod.OWASP,
    ratingMethod_1.RatingMethod.SSVC,
    ratingMethod_1.RatingMethod.Other
], true, true, true, true, true, false, true, true, true));
exports.Spec1dot6 = Object.freeze(new _protocol_1._Spec(enums_1.Version.v1dot6, [
    enums_1.Format.XML,
    enums_1.Format.JSON
], [
    componentType_1.ComponentType.Application,
    componentType_1.ComponentType.Framework,
    componentType_1.ComponentType.Library,
    componentType_1.ComponentType.Container,
    componentType_1.ComponentType.Platform,
    componentType_1.ComponentType.OperatingSystem,
    componentType_1.ComponentType.Device,
    componentType_1.ComponentType.DeviceDriver,
    componentType_1.ComponentType.Firmware,
    componentType_1.ComponentType.File,
    componentType_1.ComponentType.MachineLearningModel,
    componentType_1.ComponentType.Data,
    componentType_1.ComponentType.CryptographicAsset
], [
    hashAlogorithm_1.HashAlgorithm.MD5,
    hashAlogorithm_1.HashAlgorithm['SHA-1'],
    hashAlogorithm_1.HashAlgorithm['SHA-256'],
    hashAlogorithm_1.HashAlgorithm['SHA-384'],
    hashAlogorithm_1.HashAlgorithm['SHA-512'],
    hashAlogorithm_1.HashAlgorithm['SHA3-256'],
    hashAlogorithm_1.HashAlgorithm['SHA3-384'],
    hashAlogorithm_1.HashAlgorithm['SHA3-512'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-256'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-384'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-512'],
    hashAlogorithm_1.HashAlgorithm.BLAKE3
], /^([a-fA-F0-9]{32})$|^([a-fA-F0-9]{40})$|^([a-fA-F0-9]{64})$|^([a-fA-F0-9]{96})$|^([a-fA-F0-9]{128})$/, [
    externalReferenceType_1.ExternalReferenceType.VCS,
    externalReferenceType_1.ExternalReferenceType.IssueTracker,
    externalReferenceType_1.ExternalReferenceType.Website,
    externalReferenceType_1.ExternalReferenceType.Advisories,
    externalReferenceType_1.ExternalReferenceType.BOM,
    externalReferenceType_1.ExternalReferenceType.MailingList,
    externalReferenceType_1.ExternalReferenceType.Social,
    externalReferenceType_1.ExternalReferenceType.Chat,
    externalReferenceType_1.ExternalReferenceType.Documentation,
    externalReferenceType_1.ExternalReferenceType.Support,
    externalReferenceType_1.ExternalReferenceType.SourceDistribution,
    externalReferenceType_1.ExternalReferenceType.Distribution,
    externalReferenceType_1.ExternalReferenceType.DistributionIntake,
    externalReferenceType_1.ExternalReferenceType.License,
    externalReferenceType_1.ExternalReferenceType.BuildMeta,
    externalReferenceType_1.ExternalReferenceType.BuildSystem,
    externalReferenceType_1.ExternalReferenceType.ReleaseNotes,
    externalReferenceType_1.ExternalReferenceType.SecurityContact,
    externalReferenceType_1.ExternalReferenceType.ModelCard,
    externalReferenceType_1.ExternalReferenceType.Log,
    externalReferenceType_1.ExternalReferenceType.Configuration,
    externalReferenceType_1.ExternalReferenceType.Evidence,
    externalReferenceType_1.ExternalReferenceType.Formulation,
    externalReferenceType_1.ExternalReferenceType.Attestation,
    externalReferenceType_1.ExternalReferenceType.ThreatModel,
    externalReferenceType_1.ExternalReferenceType.AdversaryModel,
    externalReferenceType_1.ExternalReferenceType.RiskAssessment,
    externalReferenceType_1.ExternalReferenceType.VulnerabilityAssertion,
    externalReferenceType_1.ExternalReferenceType.ExploitabilityStatement,
    externalReferenceType_1.ExternalReferenceType.PentestReport,
    externalReferenceType_1.ExternalReferenceType.StaticAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.DynamicAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.RuntimeAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.ComponentAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.MaturityReport,
    externalReferenceType_1.ExternalReferenceType.CertificationReport,
    externalReferenceType_1.ExternalReferenceType.CodifiedInfrastructure,
    externalReferenceType_1.ExternalReferenceType.QualityMetrics,
    externalReferenceType_1.ExternalReferenceType.POAM,
    externalReferenceType_1.ExternalReferenceType.ElectronicSignature,
    externalReferenceType_1.ExternalReferenceType.DigitalSignature,
    externalReferenceType_1.ExternalReferenceType.RFC9116,
    externalReferenceType_1.ExternalReferenceType.Other
], true, true, false, true, true, [
    ratingMethod_1.RatingMethod.CVSSv2,
    ratingMethod_1.RatingMethod.CVSSv3,
    ratingMethod_1.RatingMethod.CVSSv31,
    ratingMethod_1.RatingMethod.CVSSv4,
    ratingMethod_1.RatingMethod.OWASP,
    ratingMethod_1.RatingMethod.SSVC,
    ratingMethod_1.RatingMethod.Other
], true, true, true, true, true, true, true, true, true));
exports.Spec1dot7 = Object.freeze(new _protocol_1._Spec(enums_1.Version.v1dot7, [
    enums_1.Format.XML,
    enums_1.Format.JSON
], [
    componentType_1.ComponentType.Application,
    componentType_1.ComponentType.Framework,
    componentType_1.ComponentType.Library,
    componentType_1.ComponentType.Container,
    componentType_1.ComponentType.Platform,
    componentType_1.ComponentType.OperatingSystem,
    componentType_1.ComponentType.Device,
    componentType_1.ComponentType.DeviceDriver,
    componentType_1.ComponentType.Firmware,
    componentType_1.ComponentType.File,
    componentType_1.ComponentType.MachineLearningModel,
    componentType_1.ComponentType.Data,
    componentType_1.ComponentType.CryptographicAsset
], [
    hashAlogorithm_1.HashAlgorithm.MD5,
    hashAlogorithm_1.HashAlgorithm['SHA-1'],
    hashAlogorithm_1.HashAlgorithm['SHA-256'],
    hashAlogorithm_1.HashAlgorithm['SHA-384'],
    hashAlogorithm_1.HashAlgorithm['SHA-512'],
    hashAlogorithm_1.HashAlgorithm['SHA3-256'],
    hashAlogorithm_1.HashAlgorithm['SHA3-384'],
    hashAlogorithm_1.HashAlgorithm['SHA3-512'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-256'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-384'],
    hashAlogorithm_1.HashAlgorithm['BLAKE2b-512'],
    hashAlogorithm_1.HashAlgorithm.BLAKE3,
    hashAlogorithm_1.HashAlgorithm['Streebog-256'],
    hashAlogorithm_1.HashAlgorithm['Streebog-512'],
], /^([a-fA-F0-9]{32})$|^([a-fA-F0-9]{40})$|^([a-fA-F0-9]{64})$|^([a-fA-F0-9]{96})$|^([a-fA-F0-9]{128})$/, [
    externalReferenceType_1.ExternalReferenceType.VCS,
    externalReferenceType_1.ExternalReferenceType.IssueTracker,
    externalReferenceType_1.ExternalReferenceType.Website,
    externalReferenceType_1.ExternalReferenceType.Advisories,
    externalReferenceType_1.ExternalReferenceType.BOM,
    externalReferenceType_1.ExternalReferenceType.MailingList,
    externalReferenceType_1.ExternalReferenceType.Social,
    externalReferenceType_1.ExternalReferenceType.Chat,
    externalReferenceType_1.ExternalReferenceType.Documentation,
    externalReferenceType_1.ExternalReferenceType.Support,
    externalReferenceType_1.ExternalReferenceType.SourceDistribution,
    externalReferenceType_1.ExternalReferenceType.Distribution,
    externalReferenceType_1.ExternalReferenceType.DistributionIntake,
    externalReferenceType_1.ExternalReferenceType.License,
    externalReferenceType_1.ExternalReferenceType.BuildMeta,
    externalReferenceType_1.ExternalReferenceType.BuildSystem,
    externalReferenceType_1.ExternalReferenceType.ReleaseNotes,
    externalReferenceType_1.ExternalReferenceType.SecurityContact,
    externalReferenceType_1.ExternalReferenceType.ModelCard,
    externalReferenceType_1.ExternalReferenceType.Log,
    externalReferenceType_1.ExternalReferenceType.Configuration,
    externalReferenceType_1.ExternalReferenceType.Evidence,
    externalReferenceType_1.ExternalReferenceType.Formulation,
    externalReferenceType_1.ExternalReferenceType.Attestation,
    externalReferenceType_1.ExternalReferenceType.ThreatModel,
    externalReferenceType_1.ExternalReferenceType.AdversaryModel,
    externalReferenceType_1.ExternalReferenceType.RiskAssessment,
    externalReferenceType_1.ExternalReferenceType.VulnerabilityAssertion,
    externalReferenceType_1.ExternalReferenceType.ExploitabilityStatement,
    externalReferenceType_1.ExternalReferenceType.PentestReport,
    externalReferenceType_1.ExternalReferenceType.StaticAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.DynamicAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.RuntimeAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.ComponentAnalysisReport,
    externalReferenceType_1.ExternalReferenceType.MaturityReport,
    externalReferenceType_1.ExternalReferenceType.CertificationReport,
    externalReferenceType_1.ExternalReferenceType.CodifiedInfrastructure,
    externalReferenceType_1.ExternalReferenceType.QualityMetrics,
    externalReferenceType_1.ExternalReferenceType.POAM,
    externalReferenceType_1.ExternalReferenceType.ElectronicSignature,
    externalReferenceType_1.ExternalReferenceType.DigitalSignature,
    externalReferenceType_1.ExternalReferenceType.RFC9116,
    externalReferenceType_1.ExternalReferenceType.Citation,
    externalReferenceType_1.ExternalReferenceType.Patent,
    externalReferenceType_1.ExternalReferenceType.PatentAssertion,
    externalReferenceType_1.ExternalReferenceType.PatentFamily,
    externalReferenceType_1.ExternalReferenceType.RFC9116,
    externalReferenceType_1.ExternalReferenceType.Other
], true, true, false, true, true, [
    ratingMethod_1.RatingMethod.CVSSv2,
    ratingMethod_1.RatingMethod.CVSSv3,
    ratingMethod_1.RatingMethod.CVSSv31,
    ratingMethod_1.RatingMethod.CVSSv4,
    ratingMethod_1.RatingMethod.OWASP,
    ratingMethod_1.RatingMethod.SSVC,
    ratingMethod_1.RatingMethod.Other
], true, true, true, true, true, true, true, true, true));
exports.SpecVersionDict = Object.freeze({
    [enums_1.Version.v1dot7]: exports.Spec1dot7,
    [enums_1.Version.v1dot6]: exports.Spec1dot6,
    [enums_1.Version.v1dot5]: exports.Spec1dot5,
    [enums_1.Version.v1dot4]: exports.Spec1dot4,
    [enums_1.Version.v1dot3]: exports.Spec1dot3,
    [enums_1.Version.v1dot2]: exports.Spec1dot2
});
//# sourceMappingURL=consts.js.map

/***/ }),

/***/ 33671:
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
exports.Format = exports.Version = void 0;
var Version;
(function (Version) {
    Version["v1dot7"] = "1.7";
    Version["v1dot6"] = "1.6";
    Version["v1dot5"] = "1.5";
    Version["v1dot4"] = "1.4";
    Version["v1dot3"] = "1.3";
    Version["v1dot2"] = "1.2";
    Version["v1dot1"] = "1.1";
    Version["v1dot0"] = "1.0";
})(Version || (exports.Version = Version = {}));
var Format;
(function (Format) {
    Format["XML"] = "xml";
    Format["JSON"] = "json";
})(Format || (exports.Format = Format = {}));
//# sourceMappingURL=enums.js.map

/***/ }),

/***/ 36134:
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
exports.UnsupportedFormatError = void 0;
class UnsupportedFormatError extends Error {
}
exports.UnsupportedFormatError = UnsupportedFormatError;
//# sourceMappingURL=errors.js.map

/***/ }),

/***/ 94321:
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
__exportStar(__webpack_require__(64641), exports);
__exportStar(__webpack_require__(33671), exports);
__exportStar(__webpack_require__(36134), exports);
//# sourceMappingURL=index.js.map

/***/ })

};
